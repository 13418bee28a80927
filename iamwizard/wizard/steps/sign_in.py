"""Step 5, sign in and change the password: the new user's first sign-in.

On the sandbox the wizard offers a practice sign-in page shaped like the console's; the
sandbox itself checks the password and, through the real `ChangePassword` call made with
the user's own credentials, enforces the account's password policy. On a real account the
person signs in at the real console, and the wizard reads AWS to confirm it happened.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError, SignInRejected, sandbox_console_signin, user_gateway
from iamwizard.core.digits import has_foreign_digits
from iamwizard.core.passwords import password_breaks, policy_rules
from iamwizard.core.names import same_name
from iamwizard.core.problems import Problem

from .. import vault
from ..facts import as_is, said
from ..refusals import field_error
from .base import NotYetVisible, PlannedCall, Step, StepInputError, StepNotConfirmed
from .colleague import user_does_it_here
from .forms import ConfirmForm, StepForm
from .sign_in_details import REAL_URL_PATTERN, sign_in_url

REJECTED = gettext_lazy("Your authentication information is incorrect. Check the account, the user name and the password.")
# The practice console's session credentials kept (sealed) from the sign-in for the password change.
SESSION_KEYS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "AccountId")


def session_of(answer) -> dict:
    """A console sign-in's answer, reduced to the credentials a later call is made with (kept sealed)."""
    return {name: answer.get(name) for name in SESSION_KEYS}
# The kept session no longer works (it expired, or the sandbox was reset): sign in again instead.
SESSION_GONE = {"ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException"}


class PracticeSignInForm(StepForm):
    account = forms.CharField(label=gettext_lazy("Account ID or account alias"), max_length=100)
    user_name = forms.CharField(label=gettext_lazy("IAM user name"), max_length=200)
    password = forms.CharField(label=gettext_lazy("Password"), max_length=500, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_account(self):
        account = self.cleaned_data["account"]
        if has_foreign_digits(account):  # an account ID is 12 ASCII digits; an alias holds no other digits either
            raise forms.ValidationError(_("Type the account ID with the digits 0 to 9."))
        return account


class ChangePasswordForm(StepForm):
    old_password = forms.CharField(label=gettext_lazy("Old password"), max_length=500, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=gettext_lazy("New password"), max_length=500, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=gettext_lazy("Retype new password"), max_length=500, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.ctx is not None:
            self.fields["new_password"].help_text = " ".join(policy_rules(self.ctx.password_policy))

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password2")
        if new and again and new != again:
            self.add_error("new_password2", field_error(Problem("password.retyped_differently")))
        if new and data.get("old_password") == new:
            self.add_error("new_password", field_error(Problem("password.same_as_old")))
        if new:
            for problem in password_breaks(new, self.ctx.password_policy, user_name=self.ctx.user_name, account_name=self.ctx.account.get("alias")):
                self.add_error("new_password", field_error(problem))
        return data


# The ordinary action the before-and-after check of the require-MFA policy tries as the user.
PROBE = "ListUsers"
PROBE_ANSWERS = {("ListUsers", "AccessDenied"): gettext_lazy("refused: the require-MFA policy denies it until the user signs in with MFA")}


# Where a step keeps the probe it is to make (sealed: it holds the user's session) until its read-back.
PROBE_PENDING = "probe_pending"


def mfa_probe(ctx, session, key) -> dict:
    """When the run requires MFA (sandbox): an ordinary action (iam:ListUsers) to try with the user's
    own credentials (`session`, the practice console's), AWS's answer to be kept under `key`:
    "allowed" or the error code. It does not depend on the step's read-backs, nor they on it: the
    read-back makes it at the same time as its reads (probe_calls, keep_probe). Until then the
    session stays sealed in the step's result, which the read-back takes it out of."""
    if not ctx.answers("permissions").get("require_mfa"):
        return {}
    return {PROBE_PENDING: {"key": key, "session": vault.seal_json(session_of(session))}}


def probe_calls(ctx, result) -> tuple:
    """([the probe, as a call for Gateway.at_once made with the user's credentials], its key), or
    ([], None) when there is none to make; taken out of `result` (the session is kept no longer)."""
    pending = result.pop(PROBE_PENDING, None)
    session = vault.unseal_json(pending["session"]) if pending else None
    if not session:
        return [], None
    as_user = user_gateway(ctx.gateway.target.endpoint_url, session, recorder=ctx.gateway.recorder)
    return [("iam", PROBE, {"MaxItems": 1}, as_user)], pending["key"]


def keep_probe(result, key, answer):
    """The probe's answer kept under `key`: "allowed", or AWS's error code."""
    if key is None:
        return
    if isinstance(answer, AwsError):
        result[key] = answer.code
    elif isinstance(answer, Exception):
        raise answer
    else:
        result[key] = "allowed"


def probe_fact(result, key, label):
    """The fact (see ..facts) for a probe's answer, or None. label: a message id."""
    answer = result.get(key)
    if not answer:
        return None
    if answer == "allowed":
        return said(label, gettext_noop("%(action)s allowed"), action=f"iam:{PROBE}")
    return said(label, gettext_noop("%(action)s refused (%(code)s)"), action=f"iam:{PROBE}", code=answer)


class SignIn(Step):
    slug = "sign-in"
    title = gettext_lazy("Sign in and change the password")
    nav_title = gettext_lazy("First sign-in")
    template = "wizard/steps/sign_in.html"
    irreversible = True
    expected_answers = PROBE_ANSWERS
    why = (
        gettext_lazy("Now be the new user: sign in at the account's own sign-in page with the account ID (or alias), "
                     "the user name and the one-time password."),
        gettext_lazy("Because the password must be changed at the first sign-in, the console asks for a new one straight "
                     "away. From that moment, only the person knows their password: not you, not the wizard."),
        gettext_lazy("Using a separate browser, or a private window, keeps your own session signed in."),
    )

    def applies(self, ctx):
        return bool(ctx.answers("user-details").get("console_access", True)) and user_does_it_here(ctx)

    def forms(self, ctx):
        if not ctx.is_sandbox():
            return {"check": ConfirmForm}
        if ctx.result(self.slug).get("reset_required"):
            return {"change": ChangePasswordForm}
        return {"signin": PracticeSignInForm}

    def completes(self, action, result):
        return action in ("change", "check") or (action == "signin" and not result.get("reset_required"))

    def planned_calls(self, ctx):
        user = ctx.user_name
        if not ctx.is_sandbox():
            return [
                PlannedCall("iam", "GetUser", {"UserName": user}, _("PasswordLastUsed tells when the user last signed in.")),
                PlannedCall("iam", "GetLoginProfile", {"UserName": user}, _("PasswordResetRequired turns false once the password was changed.")),
            ]
        return [
            PlannedCall("iam", "ChangePassword", {"OldPassword": "<old-password>", "NewPassword": "<new-password>"}, _("Made by the new user, with their own credentials (the console does this for you).")),
            PlannedCall("iam", "GetLoginProfile", {"UserName": user}, _("Confirms no reset is pending any more.")),
        ] + ([PlannedCall("iam", PROBE, {"MaxItems": 1}, _("Made as the user, without MFA: the require-MFA policy should refuse it (AccessDenied)."))]
             if ctx.answers("permissions").get("require_mfa") else [])

    def execute(self, ctx, action, data):
        if action == "check":
            return {}
        if action == "signin":
            return self._practice_sign_in(ctx, data)
        return self._change(ctx, data)

    def _sign_in(self, ctx, account, user_name, password):
        try:
            return sandbox_console_signin(ctx.gateway.target.endpoint_url, account, user_name, password)
        except SignInRejected:
            raise StepInputError(None, str(REJECTED), "signin.rejected") from None

    def _practice_sign_in(self, ctx, data):
        if not same_name(data["user_name"], ctx.user_name):
            raise StepInputError("user_name", _("Sign in as the user you just created, %(user)s.") % {"user": ctx.user_name}, "signin.other_user")
        session = self._sign_in(ctx, data["account"], data["user_name"], data["password"])
        if session.get("AccountId") != ctx.run.account_id:
            raise StepInputError("account", _("That is another account: use the account ID or alias shown on the previous step."), "signin.other_account")
        if session.get("PasswordResetRequired"):
            # The console goes straight on to the change-password page with this session: kept,
            # sealed, for the change (one sign-in less to wait for), and erased once it is used.
            return {"reset_required": True, "account": data["account"], "session": vault.seal_json(session_of(session))}
        return {"reset_required": False, **mfa_probe(ctx, session, "without_mfa")}

    def _kept_session(self, ctx):
        return vault.unseal_json(ctx.result(self.slug).get("session"))

    def _change(self, ctx, data, kept=True):
        account = ctx.result(self.slug).get("account") or ctx.run.account_id
        changed = {"reset_required": False, "changed": True, "session": ""}
        session = self._kept_session(ctx) if kept else None
        if session is None:
            kept = False
            try:
                session = self._sign_in(ctx, account, ctx.user_name, data["old_password"])
            except StepInputError:
                if self._already_changed(ctx, account, data["new_password"]):
                    return changed
                raise
        as_user = user_gateway(ctx.gateway.target.endpoint_url, session, recorder=ctx.gateway.recorder)
        try:
            as_user.iam("ChangePassword", OldPassword=data["old_password"], NewPassword=data["new_password"])
            changed.update(mfa_probe(ctx, session, "without_mfa"))
        except AwsError as exc:
            if kept and exc.code in SESSION_GONE:
                return self._change(ctx, data, kept=False)
            if exc.code == "InvalidUserType" and self._already_changed(ctx, account, data["new_password"]):
                return changed
            if kept and exc.code == "InvalidUserType":
                # The old password typed is not the one AWS holds: the console's own words.
                raise StepInputError(None, REJECTED, "signin.rejected") from None
            if exc.code in ("PasswordPolicyViolation", "InvalidUserType"):
                if exc.code == "PasswordPolicyViolation":
                    raise StepInputError("new_password", exc.problem.message, "signin.password_refused", {"code": exc.code}) from None
                raise StepInputError("old_password", exc.problem.message, "aws.error", {"code": exc.code}) from None
            raise
        return changed

    def _already_changed(self, ctx, account, new_password) -> bool:
        """An earlier ChangePassword may have gone through with its answer lost (a timeout, and
        botocore's retry then met the old password no longer valid): if the new password signs
        in with no reset pending, the change happened, and asking again would lock the person out."""
        try:
            session = sandbox_console_signin(ctx.gateway.target.endpoint_url, account, ctx.user_name, new_password)
        except SignInRejected:
            return False
        return session.get("AccountId") == ctx.run.account_id and not session.get("PasswordResetRequired")

    def verify(self, ctx, result):
        user = ctx.user_name
        # The require-MFA probe, when there is one, goes at once with the reads (one round trip).
        probe, key = probe_calls(ctx, result)
        try:
            aws_user, profile, *probed = ctx.gateway.at_once(("iam", "GetUser", {"UserName": user}), ("iam", "GetLoginProfile", {"UserName": user}),
                                                             *probe, settle=True)
            keep_probe(result, key, probed[0] if probed else None)
            for answer in (aws_user, profile):
                if isinstance(answer, Exception):
                    raise answer
            aws_user, profile = aws_user["User"], profile["LoginProfile"]
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                raise StepNotConfirmed.of("sign_in.no_password", user=user) from None
            raise
        last_used = aws_user.get("PasswordLastUsed")
        if not last_used:
            raise StepNotConfirmed.of("sign_in.no_sign_in", user=user, url=sign_in_url(ctx))
        if profile.get("PasswordResetRequired"):
            # Right after the change, AWS may still show the flag as it was (eventual consistency):
            # read again for a while (engine.verify_settled) before saying so.
            raise NotYetVisible.of("sign_in.new_password_not_shown", user=user)
        facts = [as_is(gettext_noop("Last sign-in"), f"{last_used:%Y-%m-%d %H:%M} UTC"),
                 said(gettext_noop("Password"), gettext_noop("changed by the user; no reset pending"))]
        probe = probe_fact(result, "without_mfa", gettext_noop("Without MFA"))
        return facts + [probe] if probe else facts

    def context(self, ctx):
        return {"sign_in_url": sign_in_url(ctx), "real_url_pattern": REAL_URL_PATTERN, "account_label": ctx.account_label, "user_name": ctx.user_name}
