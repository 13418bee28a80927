"""Remove what a run created, in the order AWS requires, with a report line per resource.

AWS refuses DeleteUser (DeleteConflict) while the user still has a login profile, access
keys, certificates, SSH keys, MFA devices, policies or group memberships, so those go
first. Deleting is scoped: a user is only touched when it carries the run's tag.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from iamwizard.aws.gateway import AwsError
from iamwizard.aws.paging import paginate
from iamwizard.core import mfa_policy

from .words import problem_in_words, problem_to_keep

RUN_TAG = "iamwizard:run"

# A report's words are stored as a kind plus parameters ({"kind": "user.login_profile", "params":
# {"user": "ana"}}) and worded by `in_words` in the reader's language. Kinds marked True take the
# user as "user NAME" (the resource's owner), the others the bare names.
PHRASES = {
    "user": (gettext_lazy("user %(user)s"), False),
    "user.login_profile": (gettext_lazy("%(user)s: console password"), True),
    "user.access_key": (gettext_lazy("%(user)s: access key %(key)s"), True),
    "user.signing_certificate": (gettext_lazy("%(user)s: signing certificate"), True),
    "user.ssh_key": (gettext_lazy("%(user)s: SSH key"), True),
    "user.inline_policy": (gettext_lazy("%(user)s: inline policy %(policy)s"), True),
    "user.policy": (gettext_lazy("%(user)s: policy %(policy)s"), True),
    "user.membership": (gettext_lazy("%(user)s: membership of %(group)s"), True),
    "user.mfa_device": (gettext_lazy("user %(user)s: MFA device %(serial)s"), False),
    "mfa_device": (gettext_lazy("MFA device %(serial)s"), False),
    "group": (gettext_lazy("group %(group)s"), False),
    "group.policy": (gettext_lazy("group %(group)s: policy %(policy)s"), False),
    "group.inline_policy": (gettext_lazy("group %(group)s: inline policy %(policy)s"), False),
    "policy": (gettext_lazy("policy %(policy)s"), False),
    "policy.group": (gettext_lazy("policy %(policy)s: group %(group)s"), False),
    "policy.user": (gettext_lazy("policy %(policy)s: user %(user)s"), False),
    "policy.role": (gettext_lazy("policy %(policy)s: role %(role)s"), False),
    "policy.version": (gettext_lazy("policy %(policy)s: version %(version)s"), False),
    "run": (gettext_lazy("run"), False),
    # details
    "gone": (gettext_lazy("already gone"), False),
    "kept_in_use": (gettext_lazy("kept: other users are still in it"), False),
    "not_in_aws": (gettext_lazy("not in AWS"), False),
    "not_prefixed": (gettext_lazy("the name does not start with the workshop prefix “%(prefix)s”, so it was not touched"), False),
    "unexpected": (gettext_lazy("unexpected error (details in the server log); nothing after this was attempted"), False),
    # a workshop cleanup record's scope, participant labels and notes
    "everyone": (gettext_lazy("everyone"), False),
    "whole_workshop": (gettext_lazy("Whole workshop"), False),
    "reset_of": (gettext_lazy("Reset of %(name)s to %(where)s"), False),
    "removal_of": (gettext_lazy("Removal of %(name)s"), False),
    "no_user": (gettext_lazy("No IAM user was chosen yet."), False),
    "reset_to": (gettext_lazy("The run was reset to %(where)s."), False),
    "not_reset": (gettext_lazy("The run was NOT reset, because cleanup did not finish: fix what failed and reset again."), False),
    "removed": (gettext_lazy("Removed from the workshop."), False),
    "not_removed": (gettext_lazy("NOT removed, because cleanup did not finish: fix what failed and remove again."), False),
    "nothing_left": (gettext_lazy("Nothing left to clean up."), False),
}


def _where(params: dict, step_title) -> str:
    if params.get("step") in (None, "connect"):
        return _("the first step")
    return _("“%(step)s”") % {"step": step_title(params["step"]) if step_title else params["step"]}


def in_words(value, step_title=None) -> str:
    """A stored report word in the active language: a kind plus parameters worded now; a plain
    string (a report stored before words were kinds) as it was stored; a list, its parts joined.
    `step_title(slug)` names a step (a reset's "where"; this layer does not know the steps)."""
    if isinstance(value, list):
        return " ".join(w for w in (in_words(v, step_title) for v in value) if w)
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    kind, params = value.get("kind"), dict(value.get("params") or {})
    try:
        if kind == "aws":  # AWS's problem as the wizard words it
            return problem_in_words(params)
        if kind == "aws.coded":
            return f"{params['code']}: {problem_in_words(params)}"
        if kind == "aws.stopped":
            return _("%(code)s: %(problem)s (cleanup of this participant stopped here)") % {"code": params["code"], "problem": problem_in_words(params)}
        if kind == "not_reached":
            left = params["names"]
            text = (_("This pass stopped at its time limit: press Clean up workshop again to continue with %(names)s and more.") if params["count"] > 10
                    else _("This pass stopped at its time limit: press Clean up workshop again to continue with %(names)s."))
            return text % {"names": ", ".join(left)}
        if kind == "not_reached_count":
            return ngettext("%(count)s participant not reached yet", "%(count)s participants not reached yet", params["count"]) % {"count": params["count"]}
        if "where" in params:
            params["where"] = _where(params["where"], step_title)
        template, owner = PHRASES[kind]
        if owner:
            params["user"] = _("user %(user)s") % {"user": params["user"]}
        text = str(template)
        return text % params if "%(" in text else text
    except (KeyError, TypeError, ValueError):
        return ""  # a kind from another version: nothing sound to say


def w(kind_: str, /, **params) -> dict:
    """A report word to store: its kind plus parameters."""
    return {"kind": kind_, "params": params}


def aws_words(exc: AwsError, kind: str = "aws") -> dict:
    """AWS's problem to store: its kind plus parameters, as a step's failure (engine.failure_words)."""
    return {"kind": kind, "params": problem_to_keep(exc.problem)}


def require_mfa_arn(ctx) -> str:
    """The ARN of the require-MFA policy this run creates ("" when it creates none): the
    Review step creates it, and cleanup deletes it with the group."""
    perms = ctx.answers("permissions")
    if not (perms.get("mode") == "group" and perms.get("require_mfa") and not perms.get("group_exists")):
        return ""
    return f"arn:aws:iam::{ctx.run.account_id}:policy/{mfa_policy.policy_name(perms['group_name'])}"


@dataclass
class CleanupLine:
    resource: str
    action: str
    ok: bool
    detail: str = ""


@dataclass
class CleanupReport:
    lines: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

    def add(self, resource, action, ok=True, detail=""):
        self.lines.append(CleanupLine(resource, action, ok, detail))


def _try(report, resource, action, call, *, missing_ok=True):
    """Make one deleting call; NoSuchEntity means it is already gone, which is what we want."""
    try:
        call()
    except AwsError as exc:
        if missing_ok and exc.code == "NoSuchEntity":
            report.add(resource, action, True, w("gone"))
            return True
        report.add(resource, action, False, aws_words(exc, "aws.coded"))
        return False
    report.add(resource, action, True)
    return True


def user_belongs_to_run(iam, user_name: str, run) -> bool:
    tags = iam("ListUserTags", UserName=user_name).get("Tags", [])
    return any(t["Key"] == RUN_TAG and t["Value"] == run.tag_value for t in tags)


def delete_user_everything(iam, user_name: str, report: CleanupReport):
    """Everything attached to the user, then the user. `iam(operation, **params)` makes the calls."""
    _try(report, w("user.login_profile", user=user_name), "DeleteLoginProfile", lambda: iam("DeleteLoginProfile", UserName=user_name))
    for key in paginate(iam, "ListAccessKeys", "AccessKeyMetadata", UserName=user_name):
        _try(report, w("user.access_key", user=user_name, key=key["AccessKeyId"]), "DeleteAccessKey", lambda k=key: iam("DeleteAccessKey", UserName=user_name, AccessKeyId=k["AccessKeyId"]))
    for cert in paginate(iam, "ListSigningCertificates", "Certificates", UserName=user_name):
        _try(report, w("user.signing_certificate", user=user_name), "DeleteSigningCertificate", lambda c=cert: iam("DeleteSigningCertificate", UserName=user_name, CertificateId=c["CertificateId"]))
    for ssh in paginate(iam, "ListSSHPublicKeys", "SSHPublicKeys", UserName=user_name):
        _try(report, w("user.ssh_key", user=user_name), "DeleteSSHPublicKey", lambda s=ssh: iam("DeleteSSHPublicKey", UserName=user_name, SSHPublicKeyId=s["SSHPublicKeyId"]))
    delete_mfa_devices(iam, user_name, report)
    for name in paginate(iam, "ListUserPolicies", "PolicyNames", UserName=user_name):
        _try(report, w("user.inline_policy", user=user_name, policy=name), "DeleteUserPolicy", lambda n=name: iam("DeleteUserPolicy", UserName=user_name, PolicyName=n))
    for policy in paginate(iam, "ListAttachedUserPolicies", "AttachedPolicies", UserName=user_name):
        _try(report, w("user.policy", user=user_name, policy=policy["PolicyName"]), "DetachUserPolicy", lambda p=policy: iam("DetachUserPolicy", UserName=user_name, PolicyArn=p["PolicyArn"]))
    for group in paginate(iam, "ListGroupsForUser", "Groups", UserName=user_name):
        _try(report, w("user.membership", user=user_name, group=group["GroupName"]), "RemoveUserFromGroup", lambda g=group: iam("RemoveUserFromGroup", UserName=user_name, GroupName=g["GroupName"]))
    _try(report, w("user", user=user_name), "DeleteUser", lambda: iam("DeleteUser", UserName=user_name))


def delete_mfa_devices(iam, user_name: str, report: CleanupReport):
    """Deactivate each of the user's MFA devices, then delete the virtual ones."""
    for device in paginate(iam, "ListMFADevices", "MFADevices", UserName=user_name):
        serial = device["SerialNumber"]
        if _try(report, w("user.mfa_device", user=user_name, serial=serial), "DeactivateMFADevice", lambda: iam("DeactivateMFADevice", UserName=user_name, SerialNumber=serial)) and ":mfa/" in serial:
            _try(report, w("mfa_device", serial=serial), "DeleteVirtualMFADevice", lambda: iam("DeleteVirtualMFADevice", SerialNumber=serial))


def _delete_pending_device(ctx, report: CleanupReport):
    """A virtual device created but never enabled is not listed under the user: delete it by serial."""
    pending_serial = ctx.result("mfa").get("serial")
    if pending_serial and ctx.status("mfa") != "done":
        _try(report, w("mfa_device", serial=pending_serial), "DeleteVirtualMFADevice", lambda: ctx.iam("DeleteVirtualMFADevice", SerialNumber=pending_serial))


def delete_group_if_empty(iam, group_name: str, report: CleanupReport) -> bool:
    """A group the run created goes too, but only once nobody is left in it. True when it is gone."""
    try:
        members = iam("GetGroup", GroupName=group_name).get("Users", [])
    except AwsError as exc:
        report.add(w("group", group=group_name), "GetGroup", exc.code == "NoSuchEntity", w("gone") if exc.code == "NoSuchEntity" else aws_words(exc))
        return exc.code == "NoSuchEntity"
    if members:
        report.add(w("group", group=group_name), "DeleteGroup", True, w("kept_in_use"))
        return False
    for policy in paginate(iam, "ListAttachedGroupPolicies", "AttachedPolicies", GroupName=group_name):
        _try(report, w("group.policy", group=group_name, policy=policy["PolicyName"]), "DetachGroupPolicy", lambda p=policy: iam("DetachGroupPolicy", GroupName=group_name, PolicyArn=p["PolicyArn"]))
    for name in paginate(iam, "ListGroupPolicies", "PolicyNames", GroupName=group_name):
        _try(report, w("group.inline_policy", group=group_name, policy=name), "DeleteGroupPolicy", lambda n=name: iam("DeleteGroupPolicy", GroupName=group_name, PolicyName=n))
    return _try(report, w("group", group=group_name), "DeleteGroup", lambda: iam("DeleteGroup", GroupName=group_name))


def delete_managed_policy(iam, arn: str, report: CleanupReport):
    """A customer managed policy, in AWS's order: detach it from every user, group and role, delete
    its non-default versions, then delete it (DeletePolicy removes the default version)."""
    name = arn.rsplit("/", 1)[-1]
    try:
        entities = {key: paginate(iam, "ListEntitiesForPolicy", key, PolicyArn=arn) for key in ("PolicyGroups", "PolicyUsers", "PolicyRoles")}
    except AwsError as exc:
        report.add(w("policy", policy=name), "ListEntitiesForPolicy", exc.code == "NoSuchEntity", w("gone") if exc.code == "NoSuchEntity" else aws_words(exc))
        return
    for group in entities["PolicyGroups"]:
        _try(report, w("policy.group", policy=name, group=group["GroupName"]), "DetachGroupPolicy", lambda g=group: iam("DetachGroupPolicy", GroupName=g["GroupName"], PolicyArn=arn))
    for user in entities["PolicyUsers"]:
        _try(report, w("policy.user", policy=name, user=user["UserName"]), "DetachUserPolicy", lambda u=user: iam("DetachUserPolicy", UserName=u["UserName"], PolicyArn=arn))
    for role in entities["PolicyRoles"]:
        _try(report, w("policy.role", policy=name, role=role["RoleName"]), "DetachRolePolicy", lambda r=role: iam("DetachRolePolicy", RoleName=r["RoleName"], PolicyArn=arn))
    for version in paginate(iam, "ListPolicyVersions", "Versions", PolicyArn=arn):
        if not version["IsDefaultVersion"]:
            _try(report, w("policy.version", policy=name, version=version["VersionId"]), "DeletePolicyVersion", lambda v=version: iam("DeletePolicyVersion", PolicyArn=arn, VersionId=v["VersionId"]))
    _try(report, w("policy", policy=name), "DeletePolicy", lambda: iam("DeletePolicy", PolicyArn=arn))


def cleanup_run(ctx, report: CleanupReport | None = None) -> CleanupReport:
    """Delete the run's user (only if it carries this run's tag), its pending MFA device and its new group."""
    report = report or CleanupReport()
    iam = ctx.iam
    user = ctx.user_name
    if user:
        try:
            ours = user_belongs_to_run(iam, user, ctx.run)
        except AwsError as exc:
            ours = False
            report.add(w("user", user=user), "ListUserTags", exc.code == "NoSuchEntity", w("not_in_aws") if exc.code == "NoSuchEntity" else aws_words(exc))
        if ours:
            delete_user_everything(iam, user, report)
    _delete_pending_device(ctx, report)
    perms = ctx.answers("permissions")
    if perms.get("mode") == "group" and perms.get("group_name") and not perms.get("group_exists"):
        progress = ctx.result("review").get("progress", [])
        if any(":CreateGroup:" in key for key in progress):
            group_gone = delete_group_if_empty(iam, perms["group_name"], report)
            # The require-MFA policy protects whoever is still in the group: it goes with the group only.
            if group_gone and any(":CreatePolicy:" in key for key in progress):
                delete_managed_policy(iam, require_mfa_arn(ctx), report)
    return report


def cleanup_from(ctx, slug: str, report: CleanupReport | None = None) -> CleanupReport:
    """Delete what the steps from `slug` on made, so that the run can do them again: from MFA on,
    the user's MFA devices; from an earlier step, everything (cleanup_run)."""
    report = report or CleanupReport()
    if slug != "mfa":
        return cleanup_run(ctx, report)
    user = ctx.user_name
    if user and user_belongs_to_run(ctx.iam, user, ctx.run):
        delete_mfa_devices(ctx.iam, user, report)
    _delete_pending_device(ctx, report)
    return report
