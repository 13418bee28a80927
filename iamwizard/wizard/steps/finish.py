"""Step 6, finish: everything read back from AWS, the root user's state and what to do next."""
from iamwizard.aws.gateway import AwsError

from .base import PlannedCall, Step
from .forms import ConfirmForm
from .permissions import policy_name


class Finish(Step):
    slug = "finish"
    title = "Done: your IAM user is ready"
    nav_title = "Done"
    submit_label = "Read AWS again"
    template = "wizard/steps/finish.html"
    auto_execute = True
    why = (
        "Everything below was just read back from AWS, not remembered by the wizard: it is what the "
        "account really holds now.",
        "From now on, use this IAM user for everyday work and keep the root user for the few tasks only it "
        "can do, such as changing the account's e-mail or closing it. Give the root user MFA too: the same "
        "steps, from the root user's Security credentials page.",
    )

    def forms(self, ctx):
        return {"refresh": ConfirmForm}

    def planned_calls(self, ctx):
        user = ctx.user_name
        return [
            PlannedCall("iam", "GetUser", {"UserName": user}),
            PlannedCall("iam", "GetLoginProfile", {"UserName": user}),
            PlannedCall("iam", "ListGroupsForUser", {"UserName": user}),
            PlannedCall("iam", "ListAttachedUserPolicies", {"UserName": user}),
            PlannedCall("iam", "ListMFADevices", {"UserName": user}),
            PlannedCall("iam", "GetAccountSummary", note="Does the root user have MFA, or access keys?"),
        ]

    def execute(self, ctx, action, data):
        user = ctx.user_name
        summary = {"user_arn": ctx.iam("GetUser", UserName=user)["User"]["Arn"]}
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
        account = ctx.iam("GetAccountSummary")["SummaryMap"]
        summary["root_mfa"] = bool(account.get("AccountMFAEnabled"))
        summary["root_access_keys"] = bool(account.get("AccountAccessKeysPresent"))
        return {"summary": summary}

    def verify(self, ctx, result):
        s = result["summary"]
        return [
            ("User", s["user_arn"]),
            ("Console access", "yes" if s["console_access"] else "no"),
            ("Groups", ", ".join(s["groups"]) or "none"),
            ("Policies attached directly", ", ".join(s["policies"]) or "none"),
            ("MFA devices", ", ".join(s["mfa_devices"]) or "none"),
            ("Root user MFA", "yes" if s.get("root_mfa") else "no"),
        ]
