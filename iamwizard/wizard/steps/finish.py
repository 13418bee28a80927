"""Step 9, finish: everything read back from AWS, the root user's state and what to do next."""
import time
from dataclasses import asdict

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError

from ..cleanup import cleanup_run, in_words
from ..facts import as_is, said
from . import colleague
from .base import NO_SUCH_ENTITY, PlannedCall, Step, StepInputError
from .forms import ConfirmForm, StepForm
from .permissions import policy_name


# The root user's state read by a step before (the Root user step's proof, or the MFA sign-in when
# there is no Root user step) for this page is used when it is at most this old: it was read in
# the very click that leads here.
ROOT_STATE_FRESH_SECONDS = 60


def root_state(answer) -> dict:
    """What the summary says of the root user, from GetAccountSummary's answer."""
    account = answer["SummaryMap"]
    return {"root_mfa": bool(account.get("AccountMFAEnabled")), "root_access_keys": bool(account.get("AccountAccessKeysPresent"))}


class DeleteUserForm(StepForm):
    confirm_name = forms.CharField(label=gettext_lazy("Type the user name to confirm"), max_length=200)

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if typed != self.ctx.user_name:
            raise forms.ValidationError(_("Type %(user)s exactly, to be sure you mean this user.") % {"user": self.ctx.user_name}, code="confirm.mismatch")
        return typed


class Finish(Step):
    slug = "finish"
    title = gettext_lazy("Done: your IAM user is ready")
    nav_title = gettext_lazy("Done")
    submit_label = gettext_lazy("Read AWS again")
    template = "wizard/steps/finish.html"
    auto_execute = True
    why = (
        gettext_lazy("Everything below came from AWS, not from the wizard's memory: each step read back what it had "
                     "made, and the root user's state was read just now. Read AWS again asks every question afresh."),
        gettext_lazy("From now on, use this IAM user for everyday work and keep the root user for the few tasks only it "
                     "can do, such as changing the account's e-mail or closing it: with MFA, and without access keys."),
    )

    expected_answers = {("GetLoginProfile", NO_SUCH_ENTITY): gettext_lazy("this user has no console password")}

    def expected_answer(self, ctx, operation, code):
        if code == NO_SUCH_ENTITY and operation.startswith(("Delete", "Deactivate", "Detach", "Remove")):
            return _("already gone, which is what deleting wants")
        if code == NO_SUCH_ENTITY and operation in ("GetUser", "ListUserTags", "GetGroup") and ctx.result(self.slug).get("deleted"):
            return _("deleted, as asked")
        return super().expected_answer(ctx, operation, code)

    def words_now(self, ctx):
        if not ctx.result(self.slug).get("deleted"):
            return colleague.words_at_done(ctx, colleague.handover(ctx, ctx.result(self.slug).get("summary")))
        user = ctx.user_name
        return {
            "title": _("Done: the user %(user)s is deleted") % {"user": user},
            "why": (
                _("%(user)s and everything attached to it are gone from AWS, removed in the order AWS requires. "
                  "The table below lists each deletion; AWS confirmed that the user no longer exists.") % {"user": user},
                _("Start again to practise the whole path once more, in a new run of its own."),
            ),
        }

    def context(self, ctx):
        result = ctx.result(self.slug)
        return {"deleted": bool(result.get("deleted")), "cleanup": result.get("cleanup", []),
                "handover": colleague.handover(ctx, result.get("summary"))}

    def forms(self, ctx):
        if ctx.result(self.slug).get("deleted"):
            return {}
        forms = {"refresh": ConfirmForm, "delete": DeleteUserForm}
        handover = colleague.handover(ctx, ctx.result(self.slug).get("summary"))
        if ctx.is_sandbox() and handover and not handover["all_done"]:
            forms["practice"] = ConfirmForm  # "Sign in as the colleague" (steps/colleague.py)
        return forms

    def completes(self, action, result):
        return action != "practice"  # the practice opens the user's steps; Done reads AWS again after them

    def planned_calls(self, ctx):
        user = ctx.user_name
        return [
            PlannedCall("iam", "GetAccountSummary", note=_("Does the root user have MFA, or access keys?") + ("" if colleague.for_colleague(ctx) else " " + _(
                "(On arrival, only this call, unless the step before just read it for this page.)"))),
            PlannedCall("iam", "GetUser", {"UserName": user}, _("Read AWS again: the user...")),
            PlannedCall("iam", "GetLoginProfile", {"UserName": user}),
            PlannedCall("iam", "ListGroupsForUser", {"UserName": user}),
            PlannedCall("iam", "ListAttachedUserPolicies", {"UserName": user}),
            PlannedCall("iam", "ListMFADevices", {"UserName": user}, _("...and its MFA devices.")),
        ]

    def execute(self, ctx, action, data):
        if action == "delete":
            return self._delete(ctx)
        if action == "refresh":
            return self._read_back(ctx)
        if action == "practice":
            colleague.start_practice(ctx)
            return {}
        return self._summary_from_steps(ctx) or self._read_back(ctx)

    def _summary_from_steps(self, ctx):
        """On arrival: what the steps read back from AWS moments ago (review: user, password,
        groups, policies; MFA: devices) plus the one new read, the root user's state. Asking AWS
        the same questions again seconds later would prove nothing more. None if a step's
        read-back is missing (an older run): then everything is read afresh."""
        created, devices = ctx.result("review").get("read_back"), ctx.result("mfa").get("read_back")
        if not created or not devices:
            return None
        summary = {**created, **devices, "password_reset_required": False, "signed_in": ctx.status("sign-in") == "done", "read_at_finish": False}
        early = max((ctx.result(slug).get("root_state") or {} for slug in ("mfa-sign-in", "root-user")), key=lambda s: s.get("read_at", 0))
        if early and time.time() - early.get("read_at", 0) <= ROOT_STATE_FRESH_SECONDS:
            # Read by the MFA sign-in in the click that led here, at once with its own read-backs.
            return {"summary": {**summary, **{k: v for k, v in early.items() if k != "read_at"}}}
        return {"summary": {**summary, **self._root_state(ctx)}}

    def _root_state(self, ctx):
        return root_state(ctx.iam("GetAccountSummary"))

    def _delete(self, ctx):
        """Delete this user: everything attached first, in AWS's required order, then the user."""
        report = cleanup_run(ctx)
        lines = [asdict(line) for line in report.lines]
        if not report.ok:
            ctx.states[self.slug].result = {**ctx.result(self.slug), "cleanup": lines}
            ctx.states[self.slug].save(update_fields=["result"])
            failed = next(line for line in report.lines if not line.ok)
            raise StepInputError(None, _("Not everything could be deleted (%(resource)s: %(detail)s). Nothing is hidden: see the report below, then try again.") % {"resource": in_words(failed.resource), "detail": in_words(failed.detail)}, "delete.incomplete")
        return {"deleted": True, "cleanup": lines}

    def _read_back(self, ctx):
        user = ctx.user_name
        aws_user = ctx.iam("GetUser", UserName=user)["User"]
        summary = {"user_arn": aws_user["Arn"], "signed_in": bool(aws_user.get("PasswordLastUsed"))}
        try:
            profile = ctx.iam("GetLoginProfile", UserName=user)["LoginProfile"]
            summary["console_access"] = True
            summary["password_reset_required"] = bool(profile.get("PasswordResetRequired"))
        except AwsError as exc:
            if exc.code != "NoSuchEntity":
                raise
            summary["console_access"] = False
        summary["groups"] = [g["GroupName"] for g in ctx.iam("ListGroupsForUser", UserName=user)["Groups"]]
        summary["policies"] = [policy_name(p["PolicyArn"]) for p in ctx.iam("ListAttachedUserPolicies", UserName=user)["AttachedPolicies"]]
        summary["mfa_devices"] = [d["SerialNumber"] for d in ctx.iam("ListMFADevices", UserName=user)["MFADevices"]]
        summary["read_at_finish"] = True
        return {"summary": {**summary, **self._root_state(ctx)}}

    def verify(self, ctx, result):
        if result.get("deleted"):
            try:
                ctx.iam("GetUser", UserName=ctx.user_name)
            except AwsError as exc:
                if exc.code == "NoSuchEntity":
                    return [said(gettext_noop("User"), gettext_noop("%(user)s no longer exists in AWS"), user=ctx.user_name)]
                raise
            raise StepInputError(None, _("AWS still shows %(user)s. Try deleting again in a few seconds.") % {"user": ctx.user_name}, "step.not_confirmed")
        s = result["summary"]

        def names(label, values):  # the names, or the word "none"
            return as_is(label, ", ".join(values)) if values else said(label, gettext_noop("none"))

        return [
            as_is(gettext_noop("User"), s["user_arn"]),
            said(gettext_noop("Console access"), gettext_noop("yes") if s["console_access"] else gettext_noop("no")),
            names(gettext_noop("Groups"), s["groups"]),
            names(gettext_noop("Policies attached directly"), s["policies"]),
            names(gettext_noop("MFA devices"), s["mfa_devices"]),
            said(gettext_noop("Root user MFA"), gettext_noop("yes") if s.get("root_mfa") else gettext_noop("no")),
            said(gettext_noop("Root user access keys"), gettext_noop("present: delete them") if s.get("root_access_keys") else gettext_noop("none")),
        ]
