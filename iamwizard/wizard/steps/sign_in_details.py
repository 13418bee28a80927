"""Step 4, retrieve password: the sign-in URL, user name and one-time password, shown once.

On the sandbox the emulated account has no AWS sign-in page: the page, the CSV and the e-mail
point to the wizard's practice sign-in instead, and explain the real URL's pattern beside it."""
import csv
import io

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from .. import vault
from ..facts import as_is, said
from ..models import StepState
from .base import Step
from .colleague import for_colleague
from .forms import ConfirmForm


REAL_URL_PATTERN = "https://<account ID or alias>.signin.aws.amazon.com/console"
def practice_note() -> str:
    return _("This is a practice account in the IAM wizard's sandbox, which AWS does not know: sign in on the wizard's "
             "practice sign-in page. On a real AWS account, the sign-in URL is %(pattern)s.") % {"pattern": REAL_URL_PATTERN}


def sign_in_url(ctx) -> str:
    """A real account's console sign-in URL."""
    return f"https://{ctx.account_label}.signin.aws.amazon.com/console"


def practice_sign_in_url(ctx) -> str:
    """The wizard's practice sign-in (its First sign-in step), absolute when the request's address is known."""
    return ctx.base_url + reverse("wizard:step", args=[ctx.run.id, "sign-in"])


def where_to_sign_in(ctx) -> str:
    """What the new user opens: the real sign-in URL, or on the sandbox the practice sign-in."""
    return practice_sign_in_url(ctx) if ctx.is_sandbox() else sign_in_url(ctx)


def sign_in_csv(ctx, password: str) -> str:
    """The same columns as the console's “Download .csv file”; on the sandbox, a note on the practice URL."""
    out = io.StringIO()
    writer = csv.writer(out)
    if ctx.is_sandbox():
        writer.writerow([_("User name"), _("Password"), _("Console sign-in URL"), _("Note")])
        writer.writerow([ctx.user_name, password, practice_sign_in_url(ctx), practice_note()])
    else:
        writer.writerow([_("User name"), _("Password"), _("Console sign-in URL")])
        writer.writerow([ctx.user_name, password, sign_in_url(ctx)])
    return out.getvalue()


def email_body(ctx) -> str:
    """The e-mail instructions: where to sign in and the user name, never the password."""
    if ctx.is_sandbox():
        where = _("Practice sign-in page: %(url)s") % {"url": practice_sign_in_url(ctx)} + f"\n({practice_note()})"
    else:
        where = _("Sign-in URL: %(url)s") % {"url": sign_in_url(ctx)}
    body = (_("Hello,") + "\n\n" + _("You have an AWS account user now.") + f"\n\n{where}\n"
            + _("User name: %(user)s") % {"user": ctx.user_name} + "\n\n"
            + _("I will give you your one-time password separately. You will choose your own password at the first sign-in.") + "\n")
    if for_colleague(ctx):
        body += "\n" + _(
            "Right after that, assign an MFA device to your user: open the account menu (top right), choose Security "
            "credentials, then Assign MFA device, and use an authenticator app on your phone. Then sign out and sign in "
            "again with the password and a code.") + "\n"
        if ctx.answers("permissions").get("require_mfa"):
            body += _("Until you have signed in with MFA, your user can only change its password and set up MFA.") + "\n"
    return body


class SignInDetails(Step):
    slug = "sign-in-details"
    title = gettext_lazy("Retrieve password")
    show_result = False
    nav_title = gettext_lazy("Sign-in details")
    submit_label = gettext_lazy("I have saved it — continue")
    irreversible = True
    template = "wizard/steps/sign_in_details.html"
    why = (
        gettext_lazy("The new user signs in at the account's own sign-in address, with their user name and this "
                     "password. Hand the three over privately, for example in person or via a password manager, never in "
                     "the same e-mail as the URL."),
        gettext_lazy("This is the only time the password is shown. Once you continue, the wizard forgets it for good: "
                     "nobody can look it up again, not even you. If it is lost, an administrator sets a new one."),
    )

    def applies(self, ctx):
        return bool(ctx.answers("user-details").get("console_access", True))

    def forms(self, ctx):
        return {"continue": ConfirmForm}

    def execute(self, ctx, action, data):
        ctx.run.password_box = b""
        ctx.save_run("password_box")
        if ctx.is_sandbox():
            return {"sign_in_url": practice_sign_in_url(ctx), "practice": True}
        return {"sign_in_url": sign_in_url(ctx)}

    def verify(self, ctx, result):
        label = gettext_noop("Practice sign-in page") if result.get("practice") else gettext_noop("Console sign-in URL")
        return [as_is(label, result["sign_in_url"]), said(gettext_noop("Password"), gettext_noop("handed over and erased from the wizard"))]

    def context(self, ctx):
        return {"sign_in_url": sign_in_url(ctx), "practice_sign_in_url": practice_sign_in_url(ctx), "real_url_pattern": REAL_URL_PATTERN,
                "for_colleague": for_colleague(ctx), "signed_in": ctx.status("sign-in") == StepState.DONE,
                "user_name": ctx.user_name, "password": vault.unseal(ctx.run.password_box),
                "email_subject": _("Your AWS sign-in details"), "email_body": email_body(ctx)}
