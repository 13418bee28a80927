"""Remove what a run created, in the order AWS requires, with a report line per resource.

AWS refuses DeleteUser (DeleteConflict) while the user still has a login profile, access
keys, certificates, SSH keys, MFA devices, policies or group memberships, so those go
first. Deleting is scoped: a user is only touched when it carries the run's tag.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from iamwizard.aws.gateway import AwsError
from iamwizard.aws.paging import paginate
from iamwizard.core import mfa_policy

RUN_TAG = "iamwizard:run"


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
            report.add(resource, action, True, _("already gone"))
            return True
        report.add(resource, action, False, f"{exc.code}: {exc.problem.message}")
        return False
    report.add(resource, action, True)
    return True


def user_belongs_to_run(iam, user_name: str, run) -> bool:
    tags = iam("ListUserTags", UserName=user_name).get("Tags", [])
    return any(t["Key"] == RUN_TAG and t["Value"] == run.tag_value for t in tags)


def delete_user_everything(iam, user_name: str, report: CleanupReport):
    """Everything attached to the user, then the user. `iam(operation, **params)` makes the calls."""
    u = _("user %(user)s") % {"user": user_name}
    _try(report, _("%(user)s: console password") % {"user": u}, "DeleteLoginProfile", lambda: iam("DeleteLoginProfile", UserName=user_name))
    for key in paginate(iam, "ListAccessKeys", "AccessKeyMetadata", UserName=user_name):
        _try(report, _("%(user)s: access key %(key)s") % {"user": u, "key": key["AccessKeyId"]}, "DeleteAccessKey", lambda k=key: iam("DeleteAccessKey", UserName=user_name, AccessKeyId=k["AccessKeyId"]))
    for cert in paginate(iam, "ListSigningCertificates", "Certificates", UserName=user_name):
        _try(report, _("%(user)s: signing certificate") % {"user": u}, "DeleteSigningCertificate", lambda c=cert: iam("DeleteSigningCertificate", UserName=user_name, CertificateId=c["CertificateId"]))
    for ssh in paginate(iam, "ListSSHPublicKeys", "SSHPublicKeys", UserName=user_name):
        _try(report, _("%(user)s: SSH key") % {"user": u}, "DeleteSSHPublicKey", lambda s=ssh: iam("DeleteSSHPublicKey", UserName=user_name, SSHPublicKeyId=s["SSHPublicKeyId"]))
    delete_mfa_devices(iam, user_name, report)
    for name in paginate(iam, "ListUserPolicies", "PolicyNames", UserName=user_name):
        _try(report, _("%(user)s: inline policy %(policy)s") % {"user": u, "policy": name}, "DeleteUserPolicy", lambda n=name: iam("DeleteUserPolicy", UserName=user_name, PolicyName=n))
    for policy in paginate(iam, "ListAttachedUserPolicies", "AttachedPolicies", UserName=user_name):
        _try(report, _("%(user)s: policy %(policy)s") % {"user": u, "policy": policy["PolicyName"]}, "DetachUserPolicy", lambda p=policy: iam("DetachUserPolicy", UserName=user_name, PolicyArn=p["PolicyArn"]))
    for group in paginate(iam, "ListGroupsForUser", "Groups", UserName=user_name):
        _try(report, _("%(user)s: membership of %(group)s") % {"user": u, "group": group["GroupName"]}, "RemoveUserFromGroup", lambda g=group: iam("RemoveUserFromGroup", UserName=user_name, GroupName=g["GroupName"]))
    _try(report, u, "DeleteUser", lambda: iam("DeleteUser", UserName=user_name))


def delete_mfa_devices(iam, user_name: str, report: CleanupReport):
    """Deactivate each of the user's MFA devices, then delete the virtual ones."""
    for device in paginate(iam, "ListMFADevices", "MFADevices", UserName=user_name):
        serial = device["SerialNumber"]
        if _try(report, _("user %(user)s: MFA device %(serial)s") % {"user": user_name, "serial": serial}, "DeactivateMFADevice", lambda: iam("DeactivateMFADevice", UserName=user_name, SerialNumber=serial)) and ":mfa/" in serial:
            _try(report, _("MFA device %(serial)s") % {"serial": serial}, "DeleteVirtualMFADevice", lambda: iam("DeleteVirtualMFADevice", SerialNumber=serial))


def _delete_pending_device(ctx, report: CleanupReport):
    """A virtual device created but never enabled is not listed under the user: delete it by serial."""
    pending_serial = ctx.result("mfa").get("serial")
    if pending_serial and ctx.status("mfa") != "done":
        _try(report, _("MFA device %(serial)s") % {"serial": pending_serial}, "DeleteVirtualMFADevice", lambda: ctx.iam("DeleteVirtualMFADevice", SerialNumber=pending_serial))


def delete_group_if_empty(iam, group_name: str, report: CleanupReport) -> bool:
    """A group the run created goes too, but only once nobody is left in it. True when it is gone."""
    try:
        members = iam("GetGroup", GroupName=group_name).get("Users", [])
    except AwsError as exc:
        report.add(_("group %(group)s") % {"group": group_name}, "GetGroup", exc.code == "NoSuchEntity", _("already gone") if exc.code == "NoSuchEntity" else exc.problem.message)
        return exc.code == "NoSuchEntity"
    if members:
        report.add(_("group %(group)s") % {"group": group_name}, "DeleteGroup", True, _("kept: other users are still in it"))
        return False
    for policy in paginate(iam, "ListAttachedGroupPolicies", "AttachedPolicies", GroupName=group_name):
        _try(report, _("group %(group)s: policy %(policy)s") % {"group": group_name, "policy": policy["PolicyName"]}, "DetachGroupPolicy", lambda p=policy: iam("DetachGroupPolicy", GroupName=group_name, PolicyArn=p["PolicyArn"]))
    for name in paginate(iam, "ListGroupPolicies", "PolicyNames", GroupName=group_name):
        _try(report, _("group %(group)s: inline policy %(policy)s") % {"group": group_name, "policy": name}, "DeleteGroupPolicy", lambda n=name: iam("DeleteGroupPolicy", GroupName=group_name, PolicyName=n))
    return _try(report, _("group %(group)s") % {"group": group_name}, "DeleteGroup", lambda: iam("DeleteGroup", GroupName=group_name))


def delete_managed_policy(iam, arn: str, report: CleanupReport):
    """A customer managed policy, in AWS's order: detach it from every user, group and role, delete
    its non-default versions, then delete it (DeletePolicy removes the default version)."""
    name = arn.rsplit("/", 1)[-1]
    try:
        entities = {key: paginate(iam, "ListEntitiesForPolicy", key, PolicyArn=arn) for key in ("PolicyGroups", "PolicyUsers", "PolicyRoles")}
    except AwsError as exc:
        report.add(_("policy %(policy)s") % {"policy": name}, "ListEntitiesForPolicy", exc.code == "NoSuchEntity", _("already gone") if exc.code == "NoSuchEntity" else exc.problem.message)
        return
    for group in entities["PolicyGroups"]:
        _try(report, _("policy %(policy)s: group %(group)s") % {"policy": name, "group": group["GroupName"]}, "DetachGroupPolicy", lambda g=group: iam("DetachGroupPolicy", GroupName=g["GroupName"], PolicyArn=arn))
    for user in entities["PolicyUsers"]:
        _try(report, _("policy %(policy)s: user %(user)s") % {"policy": name, "user": user["UserName"]}, "DetachUserPolicy", lambda u=user: iam("DetachUserPolicy", UserName=u["UserName"], PolicyArn=arn))
    for role in entities["PolicyRoles"]:
        _try(report, _("policy %(policy)s: role %(role)s") % {"policy": name, "role": role["RoleName"]}, "DetachRolePolicy", lambda r=role: iam("DetachRolePolicy", RoleName=r["RoleName"], PolicyArn=arn))
    for version in paginate(iam, "ListPolicyVersions", "Versions", PolicyArn=arn):
        if not version["IsDefaultVersion"]:
            _try(report, _("policy %(policy)s: version %(version)s") % {"policy": name, "version": version["VersionId"]}, "DeletePolicyVersion", lambda v=version: iam("DeletePolicyVersion", PolicyArn=arn, VersionId=v["VersionId"]))
    _try(report, _("policy %(policy)s") % {"policy": name}, "DeletePolicy", lambda: iam("DeletePolicy", PolicyArn=arn))


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
            report.add(_("user %(user)s") % {"user": user}, "ListUserTags", exc.code == "NoSuchEntity", _("not in AWS") if exc.code == "NoSuchEntity" else exc.problem.message)
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
