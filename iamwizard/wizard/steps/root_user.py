"""Step 8, the root user: MFA for it too, and no access keys ("enable MFA for your root user as well").

The root user is the account's first identity: the e-mail address and password the account was
created with. It can do everything, including what no policy can stop (closing the account,
changing its e-mail), so it gets MFA, keeps no access keys, and is not used day to day.

On the sandbox every emulated account has a practice root user (sandbox/root.py). The page walks
it as the console does:

1. A practice password for root@<account id>.sandbox.example, as "Forgot password?" gives one;
   the sandbox also gives this root user an access key, as many older accounts have one.
2. The root sign-in, by e-mail address and password (once the root user has MFA, the code too).
3. Assign MFA device, with the MFA step's own page pieces and checks: the secret key or QR code,
   two consecutive codes diagnosed before the sandbox is asked, the same growing delay. AWS's API
   cannot enable the root user's MFA (EnableMFADevice needs a user name): like the console, the
   wizard uses the practice console's route.
4. Delete the root access keys (DeleteAccessKey as the root user).

GetAccountSummary then proves it: AccountMFAEnabled 1, AccountAccessKeysPresent 0.

Every click waits for as few AWS round trips as it can: the root user's access keys are listed
(ListAccessKeys, as root) at the same time as its device is made, right after the sign-in, since
neither needs the other. Their ids (an access key id is not a secret: the secret access key is)
are kept for the last stage, which deletes them directly; GetAccountSummary then shows whether any
key is left (one made since that list), and only then are they listed again. A retry never works
from that list twice: it is forgotten before the first delete.

Secrets: the practice password and the root console session are sealed in the step's result
(vault), the device's secret key in the run's MFA box, each only until the next stage needs it
no more. None is logged, put in a URL or shown on a later page.

On a real account: the console's steps, then GetAccountSummary confirms; a participant without the
root user's password may leave it for later, and Done shows it as not done yet.
"""
import time

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import (
    AwsError, MfaCodeRejected, RootMfaRefused, SignInExpired, SignInRejected, sandbox_mfa_signin, sandbox_root_mfa,
    sandbox_root_signin, sandbox_root_user, user_gateway,
)
from iamwizard.core.problems import Problem
from iamwizard.core.totp import clean_code, group_secret, otpauth_uri, qr_svg

from .. import vault
from ..facts import said
from ..models import StepState
from .colleague import for_colleague
from .base import PlannedCall, Step, StepInputError, StepNotConfirmed
from .forms import ConfirmForm, StepForm
from .mfa import CodesForm, check_code_pair, clock, count_failure, end_throttling, locked_error, locked_notice, seconds_locked
from .mfa_sign_in import SIGN_IN_UNCOUNTED, MfaCodeForm
from .sign_in import session_of

# The root user's virtual device: short, so that the page and its QR code stay small; the app shows root-mfa@<account>.
ROOT_DEVICE_NAME = "root-mfa"
REJECTED = gettext_lazy("Your authentication information is incorrect. Check the e-mail address and the password.")
# What a trainer watching the participant's page sees instead of the practice password.
OBSERVED_PASSWORD = "hidden-from-the-trainer"


class RootSignInForm(StepForm):
    email = forms.CharField(label=gettext_lazy("Root user e-mail address"), max_length=320,
                            widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "off"}))
    password = forms.CharField(label=gettext_lazy("Password"), max_length=500, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def _sealed(value) -> str:
    return vault.seal(value).decode()


def _unsealed(box) -> str | None:
    return vault.unseal(box.encode()) if box else None


class RootUser(Step):
    slug = "root-user"
    title = gettext_lazy("Secure the root user")
    nav_title = gettext_lazy("Root user")
    template = "wizard/steps/root_user.html"
    stylesheets = ("css/mfa.css",)  # the MFA step's template, included
    scripts = ("js/countdown.js",)  # the wait after a wrong code counts down (mfa.wait_countdown)
    # Not irreversible: that would freeze the user's own steps before it, which a colleague's
    # practice (steps/colleague.py) opens again after Done. Once done, it offers no form instead.
    why = (
        gettext_lazy("Every AWS account has a root user: the e-mail address and password the account was created with. "
                     "It can do everything, including what no policy can stop, such as closing the account or changing "
                     "its e-mail address. Whoever signs in as root owns the account."),
        gettext_lazy("So the root user gets MFA as well, the same way as your IAM user, and keeps no access keys: "
                     "programs use IAM users or roles. Then put it away: use your IAM user every day, and the root "
                     "user only for the few tasks only it can do."),
    )

    def applies(self, ctx):
        """Not in a run made for a colleague (steps/colleague.py): that run ends with a handover, and
        Done reports the root user's state from AWS, with the console's steps when MFA is missing."""
        return not for_colleague(ctx)

    # --- where the page is --------------------------------------------------------

    def _session(self, ctx) -> dict | None:
        return vault.unseal_json(ctx.result(self.slug).get("session"))

    def stage(self, ctx) -> str:
        """check (a real account), password, signin, code, enable or keys (the sandbox's practice)."""
        if not ctx.is_sandbox():
            return "check"
        result = ctx.result(self.slug)
        if not self._session(ctx):
            if _unsealed(result.get("challenge")):
                return "code"
            return "signin" if _unsealed(result.get("password")) else "password"
        if result.get("mfa_enabled"):
            return "keys"
        # The device's secret key is gone (erased by a reset): a new sign-in makes a new device.
        return "enable" if vault.unseal(ctx.run.mfa_seed_box) else "password"

    def forms(self, ctx):
        if ctx.status(self.slug) == StepState.DONE:
            return {}
        return {
            "check": {"check": ConfirmForm, "later": ConfirmForm},
            "password": {"practice_password": ConfirmForm},
            "signin": {"root_signin": RootSignInForm},
            "code": {"root_code": MfaCodeForm},
            "enable": {"enable": CodesForm},
            "keys": {"delete_keys": ConfirmForm},
        }[self.stage(ctx)]

    def initial(self, ctx, action):
        return {"email": ctx.result(self.slug).get("email", "")} if action == "root_signin" else {}

    def completes(self, action, result):
        if action in ("check", "later"):
            return True
        return bool(result.get("mfa_enabled")) and not result.get("access_keys")

    def planned_calls(self, ctx):
        if not ctx.is_sandbox():
            return [PlannedCall("iam", "GetAccountSummary", note=_("AccountMFAEnabled: 1 once the root user has MFA; AccountAccessKeysPresent: 0 when it has no access keys."))]
        return [
            PlannedCall("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": ROOT_DEVICE_NAME}, _("Made as the root user, signed in: the device's secret key and QR code.")),
            PlannedCall("iam", "ListAccessKeys", note=_("As the root user, without a user name: the root user's own access keys (made at the same time as the device).")),
            PlannedCall("iam", "DeleteAccessKey", {"AccessKeyId": "<root-access-key-id>"}, _("As the root user: deletes one of its keys.")),
            PlannedCall("iam", "GetAccountSummary", note=_("AccountMFAEnabled and AccountAccessKeysPresent: the proof. (No API call enables the root user's MFA: only the console does, so the practice console does it here.)")),
        ]

    # --- the work -----------------------------------------------------------------

    def execute(self, ctx, action, data):
        if action in ("check", "later"):
            return {"later": action == "later"}
        if action == "practice_password":
            return self._practice_password(ctx)
        if action == "root_signin":
            return self._sign_in(ctx, data["email"], data["password"])
        if action == "root_code":
            return self._code(ctx, data.get("mfa_code", ""))
        if action == "enable":
            return self._enable(ctx, data.get("code1", ""), data.get("code2", ""))
        if action == "delete_keys":
            return self._delete_keys(ctx)
        return {}  # a submit to the step once done: nothing to do, AWS is read again

    def _endpoint(self, ctx):
        return ctx.gateway.target.endpoint_url

    def _as_root(self, ctx, session):
        return user_gateway(self._endpoint(ctx), session, recorder=ctx.gateway.recorder)

    def _practice_password(self, ctx):
        answer = sandbox_root_user(self._endpoint(ctx), ctx.run.account_id)
        return {"email": answer["Email"], "password": _sealed(answer["Password"]), "challenge": "", "session": ""}

    def _sign_in(self, ctx, email, password):
        expected = ctx.result(self.slug).get("email", "")
        if email.strip().casefold() != expected.casefold():
            raise StepInputError("email", _("Sign in with this account's root e-mail address, %(email)s.") % {"email": expected}, "signin.other_account")
        try:
            answer = sandbox_root_signin(self._endpoint(ctx), expected, password)
        except SignInRejected:
            raise StepInputError("password", str(REJECTED), "signin.rejected") from None
        if answer.get("MFARequired"):
            # The root user has MFA already (a step started again): the console asks for its code.
            return {"password": "", "challenge": _sealed(answer["Challenge"])}
        return {"password": "", **self._signed_in(ctx, answer)}

    def _code(self, ctx, code):
        run = ctx.run
        ctx.refresh_run("mfa_failures", "mfa_locked_until")
        now = clock()
        if wait := seconds_locked(run, now):
            raise locked_error(wait, "mfa_code", codes=1)
        challenge = _unsealed(ctx.result(self.slug).get("challenge"))
        try:
            answer = sandbox_mfa_signin(self._endpoint(ctx), challenge or "", code)
        except SignInExpired:
            self._keep(ctx, challenge="")
            raise StepInputError.of(None, Problem("mfa.sign_in_restart")) from None
        except MfaCodeRejected as exc:
            more = count_failure(run, now) if exc.verdict not in SIGN_IN_UNCOUNTED else ""
            raise StepInputError.of("mfa_code", Problem(exc.kind, exc.params, typed={"device_name": ROOT_DEVICE_NAME}), more) from None
        end_throttling(run)
        run.save(update_fields=["mfa_failures", "mfa_locked_until", "updated_at"])
        return {"challenge": "", **self._signed_in(ctx, answer)}

    def _keep(self, ctx, **changes):
        """Saved even though the submit is refused (a spent challenge, a lost session)."""
        state = ctx.states[self.slug]
        state.result = {**state.result, **changes}
        state.save(update_fields=["result"])

    def _signed_in(self, ctx, answer):
        """Signed in as root: MFA next (its device made now), or, with MFA on already, the access keys.
        Its access keys are listed as well (with the device in one round, see _create_device)."""
        session = session_of(answer)
        facts = {"session": vault.seal_json(session), "mfa_enabled": bool(answer.get("MFAAuthenticated"))}
        as_root = self._as_root(ctx, session)
        if facts["mfa_enabled"]:
            return {**facts, **self._listed_keys(as_root)}
        return {**facts, **self._create_device(ctx, as_root)}

    def _create_device(self, ctx, as_root):
        """The root user's virtual device, and, at the same time, its access keys (ListAccessKeys
        does not depend on the device): the last stage then needs no list of its own. A failed
        list changes nothing: the keys are listed again when they are needed."""
        device, keys = as_root.at_once(("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": ROOT_DEVICE_NAME}),
                                       ("iam", "ListAccessKeys", {}), settle=True)
        if isinstance(device, AwsError) and device.code == "EntityAlreadyExists":
            # Left from an earlier try whose session was lost: nobody uses it (the root user has no MFA yet).
            as_root.iam("DeleteVirtualMFADevice", SerialNumber=f"arn:aws:iam::{ctx.run.account_id}:mfa/{ROOT_DEVICE_NAME}")
            device = as_root.iam("CreateVirtualMFADevice", VirtualMFADeviceName=ROOT_DEVICE_NAME)
        if isinstance(device, Exception):
            raise device
        device = device["VirtualMFADevice"]
        seed = device["Base32StringSeed"]
        ctx.run.mfa_seed_box = vault.seal(seed.decode() if isinstance(seed, bytes) else seed)
        ctx.run.save(update_fields=["mfa_seed_box", "updated_at"])
        return {"serial": device["SerialNumber"], "device_name": ROOT_DEVICE_NAME, **self._kept_keys(keys)}

    @staticmethod
    def _kept_keys(answer) -> dict:
        """ListAccessKeys' answer as kept for the keys stage: the ids and their number ({} when
        the list failed or was cut short: the keys are listed again when needed)."""
        if isinstance(answer, AwsError):
            return {}
        if isinstance(answer, Exception):
            raise answer
        if answer.get("IsTruncated"):
            return {}
        ids = [key["AccessKeyId"] for key in answer.get("AccessKeyMetadata", [])]
        return {"key_ids": ids, "access_keys": len(ids)}

    def _listed_keys(self, as_root) -> dict:
        return self._kept_keys(as_root.iam("ListAccessKeys"))

    def _enable(self, ctx, code1, code2):
        run = ctx.run
        ctx.refresh_run("mfa_seed_box", "mfa_failures", "mfa_locked_until")
        now = clock()
        if wait := seconds_locked(run, now):
            raise locked_error(wait, "code1")
        result, session = ctx.result(self.slug), self._session(ctx)
        seed = vault.unseal(run.mfa_seed_box)
        if not seed:
            self._keep(ctx, session="")
            raise StepInputError(None, _("The wizard no longer holds this device's secret key. Sign in as the root user again to make a new one."), "mfa.device_gone")
        check_code_pair(run, seed, code1, code2, now, ROOT_DEVICE_NAME)
        try:
            sandbox_root_mfa(self._endpoint(ctx), session["AccessKeyId"], result["serial"], clean_code(code1), clean_code(code2))
        except RootMfaRefused as exc:
            if exc.code == "InvalidAuthenticationCode":
                raise StepInputError(None, format_html("{}{}", _("AWS did not accept these codes. Wait for a new code and type two new codes in a row."), count_failure(run, now)), "mfa.refused_by_aws") from None
            if exc.code != "EntityAlreadyExists" or not self._root_mfa_on(ctx):
                self._keep(ctx, session="")
                raise StepInputError(None, _("The root user's sign-in ended. Sign in again to go on."), "mfa.sign_in_restart") from None
        run.mfa_seed_box = b""  # the app has the key now: the wizard must not keep it
        end_throttling(run)
        run.save(update_fields=["mfa_seed_box", "mfa_failures", "mfa_locked_until", "updated_at"])
        # The keys were listed with the device (_create_device); listed now only if that list failed.
        keys = {"access_keys": len(result["key_ids"])} if result.get("key_ids") is not None else self._listed_keys(self._as_root(ctx, session))
        return {"mfa_enabled": True, **keys}

    def _root_mfa_on(self, ctx) -> bool:
        return bool(ctx.iam("GetAccountSummary")["SummaryMap"].get("AccountMFAEnabled"))

    def _delete_keys(self, ctx):
        """Delete the root user's access keys: those listed at the sign-in, directly (no list of
        its own), all at once; then GetAccountSummary. When it still shows a key (one made since
        that list), the keys are listed now and deleted too, and the summary read again. The kept
        ids are forgotten before the first delete: a retry (after a fault or a crash) lists
        afresh, so it never deletes a key twice, nor works from an old list."""
        as_root = self._as_root(ctx, self._session(ctx))
        kept = ctx.result(self.slug).get("key_ids")
        if kept is not None:
            self._keep(ctx, key_ids=None)
        self._delete(as_root, kept if kept is not None else self._key_ids(as_root))
        summary = self._summary(ctx)
        if kept is not None and summary["AccountAccessKeysPresent"]:
            self._delete(as_root, self._key_ids(as_root))
            summary = self._summary(ctx)
        # The proof just read, for verify (not kept: it pops it).
        return {"access_keys": 0, "key_ids": None, "summary_read": summary}

    def _key_ids(self, as_root) -> list:
        return [key["AccessKeyId"] for key in as_root.iam("ListAccessKeys").get("AccessKeyMetadata", [])]

    @staticmethod
    def _delete(as_root, ids):
        """DeleteAccessKey for each id, at once. NoSuchEntity: gone already, which is what deleting wants."""
        if ids:
            as_root.at_once(*[("iam", "DeleteAccessKey", {"AccessKeyId": key_id}) for key_id in ids], tolerate={"NoSuchEntity"})

    @staticmethod
    def _summary(ctx) -> dict:
        summary = ctx.iam("GetAccountSummary")["SummaryMap"]
        return {name: int(summary.get(name) or 0) for name in ("AccountMFAEnabled", "AccountAccessKeysPresent")}

    # --- the proof ----------------------------------------------------------------

    def verify(self, ctx, result):
        # Read by the delete itself, after its last DeleteAccessKey (_delete_keys); otherwise read now.
        summary = result.pop("summary_read", None) or self._summary(ctx)
        mfa_on, keys = bool(summary.get("AccountMFAEnabled")), bool(summary.get("AccountAccessKeysPresent"))
        # Done: nothing of the root user's is kept any more.
        result.update(session="", password="", challenge="", root_mfa=mfa_on, root_access_keys=keys,
                      root_state={"root_mfa": mfa_on, "root_access_keys": keys, "read_at": time.time()})  # Done's, if it follows at once
        if not result.get("later"):
            if not mfa_on:
                raise StepNotConfirmed.of("root_user.no_mfa")
            if keys:
                raise StepNotConfirmed.of("root_user.access_keys")
        return [
            said(gettext_noop("Root user MFA"), gettext_noop("on (AccountMFAEnabled = 1)") if mfa_on else gettext_noop("not yet (AccountMFAEnabled = 0)")),
            said(gettext_noop("Root user access keys"),
                 gettext_noop("present (AccountAccessKeysPresent = 1): delete them") if keys else gettext_noop("none (AccountAccessKeysPresent = 0)")),
        ]

    def context(self, ctx):
        result, stage = ctx.result(self.slug), self.stage(ctx)
        context = {"root_stage": stage, "root_email": result.get("email", ""), "root_password": None, "access_keys": result.get("access_keys", 0),
                   "device_ready": False, "device_name": ROOT_DEVICE_NAME, "account_label": ctx.account_label, "locked_message": ""}
        if stage == "signin":
            context["root_password"] = OBSERVED_PASSWORD if getattr(ctx.run, "observed", False) else _unsealed(result.get("password"))
        if stage in ("code", "enable") and (wait := seconds_locked(ctx.run, clock())):
            context["locked_message"] = locked_notice(wait)
        seed = vault.unseal(ctx.run.mfa_seed_box) if stage == "enable" else None
        if seed:
            uri = otpauth_uri(seed, ROOT_DEVICE_NAME, ctx.account_label)
            context.update(device_ready=True, otpauth_uri=uri, qr_svg=qr_svg(uri, _("QR code for your authenticator app")), secret_groups=group_secret(seed))
        return context
