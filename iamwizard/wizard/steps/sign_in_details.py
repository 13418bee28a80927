"""Step 4, retrieve password: the sign-in URL, user name and one-time password, shown once."""
import csv
import io

from .. import vault
from .base import Step
from .forms import ConfirmForm


def sign_in_url(ctx) -> str:
    return f"https://{ctx.account_label}.signin.aws.amazon.com/console"


def sign_in_csv(ctx, password: str) -> str:
    """The same columns as the console's “Download .csv file”."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["User name", "Password", "Console sign-in URL"])
    writer.writerow([ctx.user_name, password, sign_in_url(ctx)])
    return out.getvalue()


class SignInDetails(Step):
    slug = "sign-in-details"
    title = "Retrieve password"
    show_result = False
    nav_title = "Sign-in details"
    submit_label = "I have saved it — continue"
    irreversible = True
    template = "wizard/steps/sign_in_details.html"
    why = (
        "The new user signs in at the account's own sign-in address, with their user name and this "
        "password. Hand the three over privately, for example in person or via a password manager, never in "
        "the same e-mail as the URL.",
        "This is the only time the password is shown. Once you continue, the wizard forgets it for good: "
        "nobody can look it up again, not even you. If it is lost, an administrator sets a new one.",
    )

    def applies(self, ctx):
        return bool(ctx.answers("user-details").get("console_access", True))

    def forms(self, ctx):
        return {"continue": ConfirmForm}

    def execute(self, ctx, action, data):
        ctx.run.password_box = b""
        ctx.run.save(update_fields=["password_box", "updated_at"])
        return {"sign_in_url": sign_in_url(ctx)}

    def verify(self, ctx, result):
        return [("Console sign-in URL", result["sign_in_url"]), ("Password", "handed over and erased from the wizard")]

    def context(self, ctx):
        url = sign_in_url(ctx)
        body = f"Hello,\n\nYou have an AWS account user now.\n\nSign-in URL: {url}\nUser name: {ctx.user_name}\n\nI will give you your one-time password separately. You will choose your own password at the first sign-in.\n"
        return {"sign_in_url": url, "user_name": ctx.user_name, "password": vault.unseal(ctx.run.password_box), "email_subject": "Your AWS sign-in details", "email_body": body}
