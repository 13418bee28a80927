"""Step 7, sign in with MFA: the next sign-in, as the user, now asks for a code after the password.

On the sandbox the practice console works like AWS's: the password first, then the code of
the user's MFA device. The sandbox checks the code against the enabled device, refuses a code
already accepted in its 30-second window (the second code typed at enrolment is still on the
phone's screen right after it), and says why a code is wrong with the enrolment's words: a
phone clock that is off, a code from another app entry. Between the two pages the wizard holds
the console's sign-in challenge sealed (vault), never the password, and erases it afterwards.
Wrong codes slow down as on the MFA step.

On a real account the person signs in at the real console; the wizard then reads AWS: the
user's PasswordLastUsed must come after the device's EnableDate, so that sign-in asked for a code.
"""
import time

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import MfaCodeRejected, SignInExpired, SignInRejected, sandbox_console_signin, sandbox_mfa_signin
from iamwizard.core.names import same_name
from iamwizard.core.problems import Problem

from .. import vault
from ..facts import as_is, said
from .base import PlannedCall, Step, StepInputError, StepNotConfirmed
from .colleague import for_colleague, user_does_it_here
from .finish import root_state
from .forms import ConfirmForm, OneTimeCodeInput, StepForm
from .mfa import CODE_ATTRS, UNCOUNTED_KINDS, clock, count_failure, end_throttling, locked_error, locked_notice, seconds_locked
from .sign_in import PROBE, REJECTED, PracticeSignInForm, keep_probe, mfa_probe, probe_calls, probe_fact
from .sign_in_details import REAL_URL_PATTERN, sign_in_url

# Diagnoses that say nothing about the seed, or that the right code would have been accepted: not counted as guesses.
SIGN_IN_UNCOUNTED = UNCOUNTED_KINDS | {"reused"}


class MfaCodeForm(StepForm):
    mfa_code = forms.CharField(label=gettext_lazy("MFA code"), max_length=400, required=False, widget=OneTimeCodeInput(attrs=CODE_ATTRS),
                               help_text=gettext_lazy("The 6-digit code your authenticator app shows now for this user."))


class MfaSignIn(Step):
    slug = "mfa-sign-in"
    title = gettext_lazy("Sign in with MFA")
    nav_title = gettext_lazy("MFA sign-in")
    template = "wizard/steps/mfa_sign_in.html"
    scripts = ("js/countdown.js",)  # the wait after a wrong code counts down (mfa.wait_countdown)
    # With MFA the require-MFA policy no longer blocks it: a refusal now means no other policy allows it.
    expected_answers = {(PROBE, "AccessDenied"): gettext_lazy("refused: none of the user's other policies allows it (MFA is no longer what is missing)")}
    why = (
        gettext_lazy("MFA is on: see it at work. Sign in as the user once more. After the password, the console now asks "
                     "for the code the app shows, and nothing opens without it."),
        gettext_lazy("Each code works once. Right after adding the device, the app may still show the code you just typed: "
                     "wait for the next one."),
    )

    def applies(self, ctx):
        return bool(ctx.answers("user-details").get("console_access", True)) and user_does_it_here(ctx)

    def _challenge(self, ctx):
        box = ctx.result(self.slug).get("challenge")
        return vault.unseal(box.encode()) if box else None

    def forms(self, ctx):
        if not ctx.is_sandbox():
            return {"check": ConfirmForm}
        if self._challenge(ctx):
            return {"code": MfaCodeForm}
        return {"signin": PracticeSignInForm}

    def completes(self, action, result):
        return action in ("code", "check")

    def planned_calls(self, ctx):
        user = ctx.user_name
        calls = [
            PlannedCall("iam", "GetUser", {"UserName": user}, _("PasswordLastUsed: when the user last signed in.")),
            PlannedCall("iam", "ListMFADevices", {"UserName": user}, _("EnableDate: when the device was added. A sign-in after it had to give a code.")),
        ]
        if for_colleague(ctx):  # Done comes next
            calls.append(PlannedCall("iam", "GetAccountSummary", note=_("Read at the same time for the last page: does the root user have MFA, or access keys?")))
        if ctx.is_sandbox() and ctx.answers("permissions").get("require_mfa"):
            calls.insert(0, PlannedCall("iam", "ListUsers", {"MaxItems": 1}, _("Made as the user, signed in with MFA: the require-MFA policy now lets an ordinary action through.")))
        return calls

    def execute(self, ctx, action, data):
        if action == "check":
            return {}
        if action == "signin":
            return self._password(ctx, data)
        return self._code(ctx, data.get("mfa_code", ""))

    def _password(self, ctx, data):
        if not same_name(data["user_name"], ctx.user_name):
            raise StepInputError("user_name", _("Sign in as the user you just created, %(user)s.") % {"user": ctx.user_name}, "signin.other_user")
        try:
            answer = sandbox_console_signin(ctx.gateway.target.endpoint_url, data["account"], data["user_name"], data["password"])
        except SignInRejected:
            raise StepInputError(None, str(REJECTED), "signin.rejected") from None
        if answer.get("AccountId") != ctx.run.account_id:
            raise StepInputError("account", _("That is another account: use the account ID or alias shown on the previous steps."), "signin.other_account")
        if not answer.get("MFARequired"):
            raise StepInputError.of(None, Problem("mfa.not_asked"))
        return {"challenge": vault.seal(answer["Challenge"]).decode()}

    def _forget_challenge(self, ctx):
        """Kept even though the submit is refused: the next page must ask for the password again."""
        state = ctx.states[self.slug]
        state.result = {**state.result, "challenge": ""}
        state.save(update_fields=["result"])

    def _code(self, ctx, code):
        run = ctx.run
        ctx.refresh_run("mfa_failures", "mfa_locked_until")
        now = clock()
        if wait := seconds_locked(run, now):
            raise locked_error(wait, "mfa_code", codes=1)
        challenge = self._challenge(ctx)
        if not challenge:
            raise StepInputError.of(None, Problem("mfa.sign_in_restart"))
        try:
            answer = sandbox_mfa_signin(ctx.gateway.target.endpoint_url, challenge, code)
        except SignInExpired:
            self._forget_challenge(ctx)
            raise StepInputError.of(None, Problem("mfa.sign_in_restart")) from None
        except MfaCodeRejected as exc:
            problem = Problem(exc.kind, exc.params, typed={"device_name": ctx.result("mfa").get("device_name", "")})
            more = count_failure(run, now) if exc.verdict not in SIGN_IN_UNCOUNTED else ""
            raise StepInputError.of("mfa_code", problem, more) from None
        end_throttling(run)
        run.save(update_fields=["mfa_failures", "mfa_locked_until", "updated_at"])
        return {"challenge": "", "mfa_authenticated": bool(answer.get("MFAAuthenticated")), "serial": answer.get("SerialNumber", ""),
                **mfa_probe(ctx, answer, "with_mfa")}

    def verify(self, ctx, result):
        user = ctx.user_name
        # When Done comes next (no Root user step: a colleague's practice), its one read (the root
        # user's state) goes at once with the read-backs: if it fails, Done asks again itself.
        done_next = for_colleague(ctx)
        calls = [("iam", "GetUser", {"UserName": user}), ("iam", "ListMFADevices", {"UserName": user})]
        # The require-MFA probe, when there is one, with them too: it needs only the user's session.
        probe, key = probe_calls(ctx, result)
        answers = ctx.gateway.at_once(*calls, *([("iam", "GetAccountSummary", {})] if done_next else []), *probe, settle=True)
        if probe:
            keep_probe(result, key, answers.pop())
        aws_user, devices, *account = answers
        for answer in (aws_user, devices):
            if isinstance(answer, Exception):
                raise answer
        if account and not isinstance(account[0], Exception):
            result["root_state"] = {**root_state(account[0]), "read_at": time.time()}
        last_used, devices = aws_user["User"].get("PasswordLastUsed"), devices.get("MFADevices", [])
        if not devices:
            raise StepNotConfirmed.of("mfa_sign_in.no_device", user=user)
        # Whole seconds: AWS (and the sandbox) give the two dates at different precisions. On a real
        # account only a sign-in after the device was added proves that the console asked for a code;
        # the practice console said so itself.
        enabled = max(d["EnableDate"] for d in devices).replace(microsecond=0)
        after = bool(last_used) and last_used.replace(microsecond=0) > enabled
        if not (result.get("mfa_authenticated") if ctx.is_sandbox() else after):
            raise StepNotConfirmed.of("mfa_sign_in.no_sign_in", user=user, url=sign_in_url(ctx))
        facts = [as_is(gettext_noop("Last sign-in"), f"{last_used:%Y-%m-%d %H:%M:%S} UTC"), as_is(gettext_noop("MFA device added"), f"{enabled:%Y-%m-%d %H:%M:%S} UTC")]
        if result.get("mfa_authenticated"):
            facts.insert(0, said(gettext_noop("Signed in with"), gettext_noop("the password and an MFA code")))
        before, after = ctx.result("sign-in").get("without_mfa"), result.get("with_mfa")
        if before or after:
            facts += [f for f in (probe_fact(ctx.result("sign-in"), "without_mfa", gettext_noop("Before, without MFA")),
                                  probe_fact(result, "with_mfa", gettext_noop("Now, with MFA"))) if f]
        return facts

    def context(self, ctx):
        wait = seconds_locked(ctx.run, clock())
        return {"sign_in_url": sign_in_url(ctx), "real_url_pattern": REAL_URL_PATTERN, "account_label": ctx.account_label,
                "user_name": ctx.user_name, "device_name": ctx.result("mfa").get("device_name", ""),
                "locked_message": locked_notice(wait) if wait else ""}
