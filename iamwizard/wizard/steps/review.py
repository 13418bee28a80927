"""Step 3, review and create: every choice once more, the exact calls, then Create user."""
from iamwizard.aws.gateway import AwsError

from .. import vault
from .base import PlannedCall, Step, StepInputError, StepNotConfirmed
from .forms import ConfirmForm
from .permissions import ADMINISTRATOR_ACCESS, policy_name

from ..cleanup import RUN_TAG, user_belongs_to_run

CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def needs_change_password_policy(ctx) -> bool:
    """The console attaches IAMUserChangePassword when a reset is required and the account
    policy does not let users change their own password; the API does not, so we do."""
    details = ctx.answers("user-details")
    return bool(details.get("console_access") and details.get("must_reset")) and not ctx.password_policy.allow_users_to_change_password


def creation_calls(ctx) -> list:
    """The calls that create the user, in order, exactly as they will be made (password redacted)."""
    details, perms = ctx.answers("user-details"), ctx.answers("permissions")
    user = details["user_name"]
    calls = [PlannedCall("iam", "CreateUser", {"UserName": user, "Tags": [{"Key": RUN_TAG, "Value": ctx.run.tag_value}]}, "Creates the user, tagged so the wizard can recognise it later.")]
    if details.get("console_access"):
        calls.append(PlannedCall("iam", "CreateLoginProfile", {"UserName": user, "Password": "<password>", "PasswordResetRequired": bool(details.get("must_reset"))}, "Gives the user a console password."))
    if perms["mode"] == "group":
        group = perms["group_name"]
        if not perms["group_exists"]:
            calls.append(PlannedCall("iam", "CreateGroup", {"GroupName": group}, "Creates the group."))
            calls += [PlannedCall("iam", "AttachGroupPolicy", {"GroupName": group, "PolicyArn": arn}, f"Lets the group use {policy_name(arn)}.") for arn in perms["policies"]]
        calls.append(PlannedCall("iam", "AddUserToGroup", {"GroupName": group, "UserName": user}, "The user gets the group's permissions."))
    else:
        calls += [PlannedCall("iam", "AttachUserPolicy", {"UserName": user, "PolicyArn": arn}, f"Grants {policy_name(arn)} to the user.") for arn in perms["policies"]]
    if needs_change_password_policy(ctx):
        calls.append(PlannedCall("iam", "AttachUserPolicy", {"UserName": user, "PolicyArn": CHANGE_PASSWORD_POLICY}, "Lets the user set their own new password at first sign-in, as the console does."))
    return calls


class Review(Step):
    slug = "review"
    title = "Review and create"
    extra_template = "wizard/steps/_review_extra.html"
    nav_title = "Review & create"
    submit_label = "Create user"
    irreversible = True
    why = (
        "Nothing has changed in AWS yet. Read the choices below once more: this is the moment a "
        "wrong permission is cheapest to fix.",
        "Create user makes the calls listed here, in this order. Each is safe to repeat: if the "
        "connection drops half-way, pressing the button again finishes the job without creating anything twice.",
    )

    def forms(self, ctx):
        return {"create": ConfirmForm}

    def planned_calls(self, ctx):
        return creation_calls(ctx)

    def execute(self, ctx, action, data):
        state = ctx.states[self.slug]
        progress = list(state.result.get("progress", []))
        password = vault.unseal(ctx.run.password_box)
        for index, call in enumerate(creation_calls(ctx)):
            key = f"{index}:{call.operation}:{call.params.get('PolicyArn') or call.params.get('GroupName', '')}"
            if key in progress:
                continue
            params = dict(call.params)
            if call.operation == "CreateLoginProfile":
                if password is None:
                    raise StepInputError(None, "The password is no longer available; go back to User details and set it again.")
                params["Password"] = password
            self._make(ctx, call.operation, params)
            progress.append(key)
            state.result = {**state.result, "progress": progress}
            state.save(update_fields=["result"])
        return {"progress": progress, "user_name": ctx.user_name}

    def _make(self, ctx, operation, params):
        try:
            ctx.iam(operation, **params)
        except AwsError as exc:
            if exc.code != "EntityAlreadyExists":
                raise
            if operation == "CreateUser" and not user_belongs_to_run(ctx.iam, params["UserName"], ctx.run):
                raise StepInputError(None, f"Someone else created a user named {params['UserName']} meanwhile. Go back to User details and choose another name.") from None
            # Otherwise an earlier, interrupted attempt of this run already made it: keep it.

    def verify(self, ctx, result):
        user = ctx.user_name
        details, perms = ctx.answers("user-details"), ctx.answers("permissions")
        try:
            arn = ctx.iam("GetUser", UserName=user)["User"]["Arn"]
            facts = [("User", arn)]
            if details.get("console_access"):
                profile = ctx.iam("GetLoginProfile", UserName=user)["LoginProfile"]
                facts.append(("Console password", f"set{' — must be changed at first sign-in' if details.get('must_reset') else ''} (created {profile['CreateDate']:%Y-%m-%d %H:%M} UTC)"))
            if perms["mode"] == "group":
                groups = [g["GroupName"] for g in ctx.iam("ListGroupsForUser", UserName=user)["Groups"]]
                if perms["group_name"] not in groups:
                    raise StepNotConfirmed(f"AWS does not list {user} in the group {perms['group_name']} yet. Try again in a few seconds.")
                facts.append(("Groups", ", ".join(groups)))
            attached = [p["PolicyArn"] for p in ctx.iam("ListAttachedUserPolicies", UserName=user)["AttachedPolicies"]]
            wanted = set(perms["policies"] if perms["mode"] == "direct" else []) | ({CHANGE_PASSWORD_POLICY} if needs_change_password_policy(ctx) else set())
            missing = wanted - set(attached)
            if missing:
                raise StepNotConfirmed(f"AWS does not show {', '.join(sorted(map(policy_name, missing)))} attached yet. Try again in a few seconds.")
            if attached:
                facts.append(("Policies attached to the user", ", ".join(policy_name(a) for a in attached)))
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                raise StepNotConfirmed(f"AWS does not show the user {user} (or its password) yet: {exc.problem.aws_message}") from None
            raise
        return facts

    def context(self, ctx):
        perms = ctx.answers("permissions")
        return {"grants_admin": ADMINISTRATOR_ACCESS in perms.get("policies", []), "details": ctx.answers("user-details"), "perms": perms}
