"""Step 3, review and create: every choice once more, the exact calls, then Create user."""
import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError
from iamwizard.core import mfa_policy
from iamwizard.core.names import tag_breaks

from .. import vault
from ..facts import as_is, said
from ..models import StepState
from .base import NotYetVisible, PlannedCall, Step, StepInputError
from .forms import StepForm
from .permissions import ADMINISTRATOR_ACCESS, policy_name

from ..cleanup import RUN_TAG, require_mfa_arn, user_belongs_to_run

CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def needs_change_password_policy(ctx) -> bool:
    """The console attaches IAMUserChangePassword when a reset is required and the account
    policy does not let users change their own password; the API does not, so we do."""
    details = ctx.answers("user-details")
    return bool(details.get("console_access") and details.get("must_reset")) and not ctx.password_policy.allow_users_to_change_password


def parse_tags(text: str) -> list:
    """`key = value` per line -> [(key, value)]; blank lines are skipped."""
    tags = []
    for line in text.splitlines():
        if line.strip():
            key, _sep, value = line.partition("=")
            tags.append((key.strip(), value.strip()))
    return tags


class ReviewForm(StepForm):
    tags = forms.CharField(
        label=gettext_lazy("Tags (optional)"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line, as key = value, e.g. team = platform. At most 50; keys may not start with aws:."),
    )

    def clean_tags(self):
        tags = parse_tags(self.cleaned_data["tags"])
        problems = tag_breaks(tags + [(RUN_TAG, "x")])
        if problems:
            raise forms.ValidationError([forms.ValidationError(p.text, code="tags.invalid") for p in problems])
        return tags


def expected_grants(ctx) -> tuple:
    """(groups, managed policy ARNs attached to the user) that AWS should show once the user exists."""
    perms = ctx.answers("permissions")
    groups, policies = [], []
    if perms["mode"] == "group":
        groups = [perms["group_name"]]
    elif perms["mode"] == "copy":
        groups, policies = list(perms["copied"]["groups"]), list(perms["copied"]["policies"])
    else:
        policies = list(perms["policies"])
    if needs_change_password_policy(ctx):
        policies.append(CHANGE_PASSWORD_POLICY)
    return groups, policies


def creation_calls(ctx) -> list:
    """The calls that create the user, in order, exactly as they will be made (password redacted).

    What is new comes first (the user, the group, the require-MFA policy), then what ties them
    together: IAM is eventually consistent, and a call that needs something made a moment ago
    waits until AWS shows it (gateway.Gateway.at_once). `creation_rounds` makes them in rounds:
    the new things at once, then the ties at once, so the ties wait for AWS together."""
    details, perms = ctx.answers("user-details"), ctx.answers("permissions")
    user = details["user_name"]
    tags = [{"Key": RUN_TAG, "Value": ctx.run.tag_value}] + [{"Key": k, "Value": v} for k, v in ctx.answers("review").get("tags", [])]
    create = {"UserName": user, "Tags": tags}
    if perms.get("boundary"):
        create["PermissionsBoundary"] = perms["boundary"]
    calls = [PlannedCall("iam", "CreateUser", create, _("Creates the user, tagged so the wizard can recognise it later."))]
    new_group = perms["mode"] == "group" and not perms["group_exists"]
    if new_group:
        group = perms["group_name"]
        calls.append(PlannedCall("iam", "CreateGroup", {"GroupName": group}, _("Creates the group.")))
        if require_mfa_arn(ctx):
            name = mfa_policy.policy_name(group)
            calls.append(PlannedCall("iam", "CreatePolicy", {"PolicyName": name, "PolicyDocument": _("<the require-MFA document below>"), "Description": "Created by the IAM wizard: deny everything but setting up MFA until signed in with MFA"},
                                     _("Creates the customer managed policy that requires MFA.")))
    if details.get("console_access"):
        calls.append(PlannedCall("iam", "CreateLoginProfile", {"UserName": user, "Password": "<password>", "PasswordResetRequired": bool(details.get("must_reset"))}, _("Gives the user a console password.")))
    if perms["mode"] == "group":
        group = perms["group_name"]
        if new_group:
            calls += [PlannedCall("iam", "AttachGroupPolicy", {"GroupName": group, "PolicyArn": arn}, _("Lets the group use %(policy)s.") % {"policy": policy_name(arn)}) for arn in perms["policies"]]
            if require_mfa_arn(ctx):
                calls.append(PlannedCall("iam", "AttachGroupPolicy", {"GroupName": group, "PolicyArn": require_mfa_arn(ctx)}, _("Members must sign in with MFA before they can do anything else.")))
        calls.append(PlannedCall("iam", "AddUserToGroup", {"GroupName": group, "UserName": user}, _("The user gets the group's permissions.")))
    elif perms["mode"] == "copy":
        copied, source = perms["copied"], perms["copy_from"]
        calls += [PlannedCall("iam", "AddUserToGroup", {"GroupName": g, "UserName": user}, _("Same group as %(user)s.") % {"user": source}) for g in copied["groups"]]
        calls += [PlannedCall("iam", "AttachUserPolicy", {"UserName": user, "PolicyArn": arn}, _("Same policy as %(user)s.") % {"user": source}) for arn in copied["policies"]]
        calls += [PlannedCall("iam", "PutUserPolicy", {"UserName": user, "PolicyName": name, "PolicyDocument": _("<the document of %(user)s's %(policy)s>") % {"user": source, "policy": name}}, _("Copies %(user)s's inline policy %(policy)s.") % {"user": source, "policy": name}) for name in copied["inline"]]
    else:
        calls += [PlannedCall("iam", "AttachUserPolicy", {"UserName": user, "PolicyArn": arn}, _("Grants %(policy)s to the user.") % {"policy": policy_name(arn)}) for arn in perms["policies"]]
    if needs_change_password_policy(ctx):
        calls.append(PlannedCall("iam", "AttachUserPolicy", {"UserName": user, "PolicyArn": CHANGE_PASSWORD_POLICY}, _("Lets the user set their own new password at first sign-in, as the console does.")))
    return calls


# Which round of Create user a call belongs to: a call waits only for what it needs. The user,
# the group and the require-MFA policy come first, side by side; then the login profile, the
# group's policies, the membership and the user's own policies, all at once.
_MAKES = {"CreateUser", "CreateGroup", "CreatePolicy"}


def call_key(index, call) -> str:
    """The progress marker of the `index`th creating call (kept in the step's result once it succeeded)."""
    return f"{index}:{call.operation}:{call.params.get('PolicyArn') or call.params.get('GroupName', '')}"


def creation_rounds(ctx) -> list:
    """The creating calls grouped in rounds, each [(progress key, call)], in the order of
    `creation_calls`; the calls of a round are independent of each other and go to AWS at once.

    Real dependencies decide the rounds: a login profile, a membership or a policy needs the user,
    the group and the policy it names to exist. One more for safety: when the group requires MFA,
    the user joins it only once the require-MFA policy is attached, in a round of its own, so no
    interruption ever leaves a member of the group with its permissions but without that rule."""
    rounds = [[], [], []]
    guarded = require_mfa_arn(ctx)
    for index, call in enumerate(creation_calls(ctx)):
        if call.operation in _MAKES:
            rank = 0
        elif call.operation == "AddUserToGroup" and guarded:
            rank = 2
        else:
            rank = 1
        rounds[rank].append((call_key(index, call), call))
    return [round_ for round_ in rounds if round_]


def made_in_aws(ctx) -> list:
    """What Create user made, one plain line per call, in the order planned (each round's calls went at once)."""
    said = {
        "CreateUser": lambda p: _("The user %(user)s") % {"user": p["UserName"]},
        "CreateLoginProfile": lambda p: _("Its console password, to be changed at first sign-in") if p.get("PasswordResetRequired") else _("Its console password"),
        "CreateGroup": lambda p: _("The group %(group)s") % {"group": p["GroupName"]},
        "CreatePolicy": lambda p: _("The customer managed policy %(policy)s, which requires MFA") % {"policy": p["PolicyName"]},
        "AttachGroupPolicy": lambda p: _("%(policy)s attached to the group %(group)s") % {"policy": policy_name(p["PolicyArn"]), "group": p["GroupName"]},
        "AddUserToGroup": lambda p: _("%(user)s added to the group %(group)s") % {"user": p["UserName"], "group": p["GroupName"]},
        "AttachUserPolicy": lambda p: _("%(policy)s attached to %(user)s") % {"policy": policy_name(p["PolicyArn"]), "user": p["UserName"]},
        "PutUserPolicy": lambda p: _("The inline policy %(policy)s of %(user)s") % {"policy": p["PolicyName"], "user": p["UserName"]},
    }
    return [said[call.operation](call.params) for call in creation_calls(ctx)]


class Review(Step):
    slug = "review"
    title = gettext_lazy("Review and create")
    nav_title = gettext_lazy("Review & create")
    submit_label = gettext_lazy("Create user")
    irreversible = True
    why = (
        gettext_lazy("Nothing has changed in AWS yet. Read the choices below once more: this is the moment a "
                     "wrong permission is cheapest to fix."),
        gettext_lazy(
            "Create user makes the calls listed here. Calls that do not depend on each other go to AWS at the "
            "same time: first the user (and a new group), then its password, policies and group membership. Each is "
            "safe to repeat: if the connection drops half-way, pressing the button again finishes the job without "
            "creating anything twice."),
    )

    template = "wizard/steps/review.html"

    def words_now(self, ctx):
        if ctx.status(self.slug) != StepState.DONE:
            return {}
        return {"why": (
            _("Create user has made its calls in AWS: the user %(user)s exists now, with what is listed "
              "below, and AWS confirmed it. These choices can no longer change here.") % {"user": ctx.user_name},
            _("Next, hand the sign-in details to the new user. If this user was only practice, the last step deletes it."),
        )}

    def forms(self, ctx):
        return {"create": ReviewForm, "tags": ReviewForm}

    def initial(self, ctx, action):
        return {"tags": "\n".join(f"{k} = {v}" for k, v in ctx.answers(self.slug).get("tags", []))}

    def completes(self, action, result):
        return action == "create"

    def planned_calls(self, ctx):
        return creation_calls(ctx)

    def execute(self, ctx, action, data):
        """Make the creating calls, a round at a time (`creation_rounds`): the calls of one round
        go to AWS at once. A progress marker is kept for every call that succeeded, even when
        another call of its round failed, so a retry (after a fault, a timeout or a crash) makes
        only what is still missing; the step is done only once every call has succeeded."""
        ctx.save_answers({"tags": data["tags"]})
        if action == "tags":
            return {}
        state = ctx.states[self.slug]
        progress = list(state.result.get("progress", []))
        password = vault.unseal(ctx.run.password_box)
        for round_ in creation_rounds(ctx):
            todo = [(key, call) for key, call in round_ if key not in progress]
            if not todo:
                continue
            params = [self._params(ctx, call, password) for _, call in todo]
            outcomes = ctx.gateway.at_once(*[("iam", call.operation, p) for (_, call), p in zip(todo, params)], settle=True)
            failure = None
            for (key, call), p, outcome in zip(todo, params, outcomes):
                if isinstance(outcome, Exception):
                    try:
                        self._already_made(ctx, call.operation, p, outcome)
                    except Exception as exc:  # noqa: BLE001 - reported once the round's successes are kept
                        failure = failure or exc
                        continue
                progress.append(key)
            state.result = {**state.result, "progress": progress}
            state.save(update_fields=["result"])
            if failure is not None:
                raise failure
        return {"progress": progress, "user_name": ctx.user_name}

    def _params(self, ctx, call, password) -> dict:
        """The call's parameters as sent: with the secrets and documents the plan only names."""
        params = dict(call.params)
        if call.operation == "CreateLoginProfile":
            if password is None:
                raise StepInputError(None, _("The password is no longer available; go back to User details and set it again."), "password.gone")
            params["Password"] = password
        if call.operation == "CreatePolicy":
            params["PolicyDocument"] = mfa_policy.document_json()
        if call.operation == "PutUserPolicy":
            source = ctx.answers("permissions")["copy_from"]
            document = ctx.iam("GetUserPolicy", UserName=source, PolicyName=params["PolicyName"])["PolicyDocument"]
            # boto3 hands the document back already parsed; PutUserPolicy wants JSON text.
            params["PolicyDocument"] = document if isinstance(document, str) else json.dumps(document)
        return params

    def _unused_group(self, ctx, group_name) -> bool:
        members = ctx.iam("GetGroup", GroupName=group_name).get("Users", [])
        attached = ctx.iam("ListAttachedGroupPolicies", GroupName=group_name).get("AttachedPolicies", [])
        return not members and not attached

    def _policy_document(self, ctx, arn):
        policy = ctx.iam("GetPolicy", PolicyArn=arn)["Policy"]
        return ctx.iam("GetPolicyVersion", PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]

    def _same_policy(self, ctx, params) -> bool:
        """A policy of that name already there is ours (an interrupted attempt) when it says the same."""
        return mfa_policy.same_document(self._policy_document(ctx, require_mfa_arn(ctx)), params["PolicyDocument"])

    def vanished(self, ctx):
        try:
            ctx.iam("GetUser", UserName=ctx.user_name)
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                return {"kind": "vanished", "params": {"user": ctx.user_name}}
            raise
        return None

    def _already_made(self, ctx, operation, params, exc):
        """A creating call met `exc`: return when what it makes is there already and ours (an
        earlier, interrupted attempt of this run made it), raise otherwise."""
        if not (isinstance(exc, AwsError) and exc.code == "EntityAlreadyExists"):
            raise exc
        if operation == "CreateUser" and not user_belongs_to_run(ctx.iam, params["UserName"], ctx.run):
            raise StepInputError(None, _("Someone else created a user named %(user)s meanwhile. Go back to User details and choose another name.") % {"user": params["UserName"]}, "user_name.taken") from None
        if operation == "CreatePolicy" and not self._same_policy(ctx, params):
            raise StepInputError(None, _("The account already has a policy named %(policy)s that says something else. Go back to Permissions and choose another group name.") % {"policy": params["PolicyName"]}, "policy_name.taken") from None
        if operation == "CreateGroup" and not self._unused_group(ctx, params["GroupName"]):
            # Groups carry no tags: an empty group is ours from an interrupted attempt; one
            # with members or policies is someone else's, and must not get our policies.
            raise StepInputError(None, _("Someone else created a group named %(group)s meanwhile. Go back to Permissions and choose it as an existing group, or another name.") % {"group": params["GroupName"]}, "group_name.taken") from None
        # Otherwise an earlier, interrupted attempt of this run already made it: keep it.

    def verify(self, ctx, result):
        user = ctx.user_name
        details, boundary = ctx.answers("user-details"), ctx.answers("permissions").get("boundary")
        wanted_groups, wanted_policies = expected_grants(ctx)
        # The read-backs are independent of each other: made at once.
        reads = {"GetUser": True, "GetLoginProfile": bool(details.get("console_access")),
                 "ListGroupsForUser": bool(wanted_groups), "ListAttachedUserPolicies": True}
        wanted_reads = [operation for operation, wanted in reads.items() if wanted]
        try:
            answers = dict(zip(wanted_reads, ctx.gateway.at_once(*[("iam", op, {"UserName": user}) for op in wanted_reads])))
            aws_user = answers["GetUser"]["User"]
            facts = [as_is(gettext_noop("User"), aws_user["Arn"])]
            tags = [f"{t['Key']} = {t['Value']}" for t in aws_user.get("Tags", []) if t["Key"] != RUN_TAG]
            if tags:
                facts.append(as_is(gettext_noop("Tags"), ", ".join(tags)))
            if boundary:
                if (aws_user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") != boundary:
                    raise NotYetVisible.of("review.boundary_not_shown", policy=policy_name(boundary), user=user)
                facts.append(as_is(gettext_noop("Permissions boundary"), policy_name(boundary)))
            if "GetLoginProfile" in answers:
                profile = answers["GetLoginProfile"]["LoginProfile"]
                created = f"{profile['CreateDate']:%Y-%m-%d %H:%M}"
                facts.append(said(gettext_noop("Console password"), gettext_noop("set — must be changed at first sign-in (created %(when)s UTC)") if details.get("must_reset")
                                  else gettext_noop("set (created %(when)s UTC)"), when=created))
            groups = []  # a brand-new user is in no group the wizard did not add it to
            if wanted_groups:
                groups = [g["GroupName"] for g in answers["ListGroupsForUser"]["Groups"]]
                missing_groups = set(wanted_groups) - set(groups)
                if missing_groups:
                    raise NotYetVisible.of("review.not_in_groups", user=user, groups=", ".join(sorted(missing_groups)))
                facts.append(as_is(gettext_noop("Groups"), ", ".join(groups)))
            attached = [p["PolicyArn"] for p in answers["ListAttachedUserPolicies"]["AttachedPolicies"]]
            missing = set(wanted_policies) - set(attached)
            if missing:
                raise NotYetVisible.of("review.policies_not_attached", policies=", ".join(sorted(map(policy_name, missing))))
            if attached:
                facts.append(as_is(gettext_noop("Policies attached to the user"), ", ".join(policy_name(a) for a in attached)))
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                raise NotYetVisible.of("review.user_not_shown", user=user, aws_message=exc.problem.aws_message) from None
            raise
        arn = require_mfa_arn(ctx)
        if arn:
            if not mfa_policy.same_document(self._policy_document(ctx, arn), mfa_policy.document()):
                raise NotYetVisible.of("review.mfa_document_not_held", policy=policy_name(arn))
            facts.append(said(gettext_noop("Require MFA"), gettext_noop("%(policy)s: AWS holds the document shown, attached to %(group)s"),
                              policy=policy_name(arn), group=ctx.answers("permissions")["group_name"]))
        # What AWS just showed, kept for the summary at the end (so it need not ask again).
        result["read_back"] = {"user_arn": aws_user["Arn"], "console_access": bool(details.get("console_access")),
                               "groups": groups, "policies": [policy_name(a) for a in attached]}
        return facts

    def context(self, ctx):
        perms = ctx.answers("permissions")
        groups, policies = expected_grants(ctx)
        grants_admin = ADMINISTRATOR_ACCESS in policies + perms.get("policies", [])
        made = made_in_aws(ctx) if ctx.status(self.slug) == StepState.DONE else []
        return {"grants_admin": grants_admin, "details": ctx.answers("user-details"), "perms": perms, "user_policies": [policy_name(p) for p in policies],
                "made": made, "tags": ctx.answers(self.slug).get("tags", []),
                "mfa_policy_json": mfa_policy.document_json() if require_mfa_arn(ctx) else ""}
