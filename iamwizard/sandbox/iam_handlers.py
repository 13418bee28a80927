"""Per-action IAM/STS rules where moto differs from AWS.

Each handler takes a middleware.Request and returns a WSGI response: either its
own (success or IAMError) or moto's via `request.forward()`.
"""
import re

from moto.core.exceptions import ServiceException
from moto.core.utils import utcnow

from iamwizard.core.names import same_name_ignoring_case
from iamwizard.core.totp import otpauth_uri

from . import accounts, mfa, passwords, root, rules
from .awsxml import STS_NS, IAMError, blob, element, result
from .qr_png import qr_png

MFA_DEVICES_PER_USER = 8
# An access key that acts as the default account's root user (any secret key works).
ROOT_ACCESS_KEY = "AKIASANDBOXROOT00000"
AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"

# What AWS answers to ChangePassword with a wrong OldPassword is not documented;
# the documented ChangePassword errors are EntityTemporarilyUnmodifiable,
# InvalidUserType, LimitExceeded, NoSuchEntity, PasswordPolicyViolation. We answer
# InvalidUserType (400), as other AWS emulators checked against AWS do.
WRONG_OLD_PASSWORD = ("InvalidUserType", "The old password is incorrect.")
NOT_AN_IAM_USER = ("InvalidUserType", "Only IAM users can change their own password.")


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _user(request, name):
    user = request.backend.users.get(name or "")
    if user is None:
        raise IAMError("NoSuchEntity", f"The user with name {name} cannot be found.")
    return user


def _check_name(value, rule):
    message = rules.name_error(value, rule)
    if message:
        raise IAMError("ValidationError", message)


def _moto_call(function, *args):
    try:
        return function(*args)
    except ServiceException as error:
        raise IAMError(error.code, error.message)


def _policy(request):
    return passwords.policy_from_moto(request.backend.account_password_policy)


def _check_password(request, password, user=None):
    policy = _policy(request)
    problems = passwords.violations(password, policy)
    if not problems and user is not None and policy.password_reuse_prevention:
        history = getattr(user, "sandbox_password_history", [])[-policy.password_reuse_prevention:]
        if any(passwords.verify_password(password, old) for old in history):
            problems = ["Password should not be one of your previous passwords"]
    if problems:
        raise IAMError("PasswordPolicyViolation", passwords.violation_message(problems))


def _set_password(user, password):
    hashed = passwords.hash_password(password)
    history = getattr(user, "sandbox_password_history", [])
    user.sandbox_password_history = (history + [hashed])[-24:]
    user.password = hashed


def _has_login_profile(user):
    return bool(user.password)


def _login_profile_xml(user):
    created = getattr(user, "sandbox_login_profile_created", None) or user.create_date
    return ("<LoginProfile>" + element("UserName", user.name) + element("CreateDate", _iso(created))
            + element("PasswordResetRequired", bool(user.password_reset_required)) + "</LoginProfile>")


# --- users and groups -------------------------------------------------------

def _boundary_policy(request):
    """The PermissionsBoundary parameter, checked: it must name a managed policy that exists."""
    arn = request.param("PermissionsBoundary")
    if arn and arn not in request.backend.managed_policies:
        raise IAMError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
    return arn


def create_user(request):
    name = request.param("UserName")
    _check_name(name, rules.USER_NAME)
    existing = same_name_ignoring_case(name, request.backend.users)
    if existing is not None:
        raise IAMError("EntityAlreadyExists", f"User with name {name} already exists.")
    boundary = _boundary_policy(request)
    response = request.forward()
    if boundary and response.status < 400:
        # moto drops a user's permissions boundary: keep it ourselves.
        request.backend.users[name].sandbox_permissions_boundary = boundary
        response.body = _with_boundary(response.body, boundary)
    return response


def _with_boundary(body: bytes, arn: str) -> bytes:
    xml = ("<PermissionsBoundary>" + element("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
           + element("PermissionsBoundaryArn", arn) + "</PermissionsBoundary></User>")
    return body.replace(b"</User>", xml.encode(), 1)


def put_user_permissions_boundary(request):
    user = _user(request, request.param("UserName"))
    boundary = _boundary_policy(request)
    if not boundary:
        raise IAMError("ValidationError", "1 validation error detected: Value null at 'permissionsBoundary' failed to satisfy constraint: Member must not be null")
    user.sandbox_permissions_boundary = boundary
    return result("PutUserPermissionsBoundary")


def delete_user_permissions_boundary(request):
    user = _user(request, request.param("UserName"))
    user.sandbox_permissions_boundary = None
    return result("DeleteUserPermissionsBoundary")


def update_user(request):
    new_name = request.param("NewUserName")
    if new_name is not None:
        _check_name(new_name, rules.USER_NAME)
        _user(request, request.param("UserName"))
        others = [n for n in request.backend.users if n != request.param("UserName")]
        if same_name_ignoring_case(new_name, others) is not None:
            raise IAMError("EntityAlreadyExists", f"User with name {new_name} already exists.")
    return request.forward()


def create_group(request):
    name = request.param("GroupName")
    _check_name(name, rules.GROUP_NAME)
    if same_name_ignoring_case(name, request.backend.groups) is not None:
        raise IAMError("EntityAlreadyExists", f"Group with name {name} already exists.")
    return request.forward()


def update_group(request):
    new_name = request.param("NewGroupName")
    if new_name is not None:
        _check_name(new_name, rules.GROUP_NAME)
        others = [n for n in request.backend.groups if n != request.param("GroupName")]
        if same_name_ignoring_case(new_name, others) is not None:
            raise IAMError("EntityAlreadyExists", f"Group with name {new_name} already exists.")
    return request.forward()


def delete_user(request):
    user = _user(request, request.param("UserName"))
    conflicts = [
        (_has_login_profile(user), "must delete login profile first"),
        (user.access_keys, "must delete access keys first"),
        (user.signing_certificates, "must delete signing certificates first"),
        (user.ssh_public_keys, "must delete SSH public keys first"),
        (user.mfa_devices, "must delete MFA device first"),
        (request.backend.get_groups_for_user(user.name), "must remove user from all groups first"),
        (user.managed_policies, "must detach all policies first"),
        (user.policies, "must delete policies first"),
    ]
    for present, what in conflicts:
        if present:
            raise IAMError("DeleteConflict", f"Cannot delete entity, {what}.")
    return request.forward()


def delete_group(request):
    group = request.backend.groups.get(request.param("GroupName") or "")
    if group is not None:
        if group.users:
            raise IAMError("DeleteConflict", "Cannot delete entity, must remove users from group first.")
        if group.managed_policies:
            raise IAMError("DeleteConflict", "Cannot delete entity, must detach all policies first.")
        if group.policies:
            raise IAMError("DeleteConflict", "Cannot delete entity, must delete policies first.")
    return request.forward()


# --- passwords --------------------------------------------------------------

def _flag(value, default=False):
    if value is None:
        return default
    return str(value).lower() == "true"


def create_login_profile(request):
    name = request.param("UserName")
    user = _user(request, name)
    if _has_login_profile(user):
        raise IAMError("EntityAlreadyExists", f"Login Profile for user {name} already exists.")
    password = request.param("Password") or ""
    _check_password(request, password)
    _set_password(user, password)
    user.password_reset_required = _flag(request.param("PasswordResetRequired"))
    user.sandbox_login_profile_created = utcnow()
    return result("CreateLoginProfile", _login_profile_xml(user))


def get_login_profile(request):
    name = request.param("UserName") or request.caller_user_name()
    user = _user(request, name)
    if not _has_login_profile(user):
        raise IAMError("NoSuchEntity", f"Login Profile for User {name} cannot be found.")
    return result("GetLoginProfile", _login_profile_xml(user))


def update_login_profile(request):
    name = request.param("UserName")
    user = _user(request, name)
    if not _has_login_profile(user):
        raise IAMError("NoSuchEntity", f"Login Profile for User {name} cannot be found.")
    password = request.param("Password")
    if password is not None:
        _check_password(request, password, user)
        _set_password(user, password)
    if request.param("PasswordResetRequired") is not None:
        user.password_reset_required = _flag(request.param("PasswordResetRequired"))
    return result("UpdateLoginProfile")


def delete_login_profile(request):
    name = request.param("UserName")
    user = _user(request, name)
    if not _has_login_profile(user):
        raise IAMError("NoSuchEntity", f"Login Profile for User {name} cannot be found.")
    user.password = None
    user.password_reset_required = False
    return result("DeleteLoginProfile")


def change_password(request):
    name = request.caller_user_name()
    if name is None:
        raise IAMError(*NOT_AN_IAM_USER)
    user = _user(request, name)
    if not _has_login_profile(user):
        raise IAMError("NoSuchEntity", f"Login Profile for User {name} cannot be found.")
    # Whether the user may (AllowUsersToChangePassword, or a policy) was decided by middleware.authorize.
    if not passwords.verify_password(request.param("OldPassword") or "", user.password):
        raise IAMError(*WRONG_OLD_PASSWORD)
    new_password = request.param("NewPassword") or ""
    _check_password(request, new_password, user)
    _set_password(user, new_password)
    user.password_reset_required = False
    return result("ChangePassword")


def get_user(request):
    name = request.param("UserName")
    if not name:
        name = request.caller_user_name()
        key = request.caller_access_key()
        response = request.forward({"UserName": name}) if name and key is not None and getattr(key, "sandbox_console_user", None) else request.forward()
    else:
        response = request.forward()
    user = request.backend.users.get(name or "")
    boundary = getattr(user, "sandbox_permissions_boundary", None) if user is not None else None
    if boundary and response.status < 400:
        response.body = _with_boundary(response.body, boundary)
    return response


def _own_user_by_default(request):
    """AWS reads UserName as the caller's own when it is left out (ListMFADevices, ListAccessKeys...); moto does not."""
    name = request.caller_user_name()
    if not request.param("UserName") and name:
        return request.forward({"UserName": name})
    return request.forward()


def get_caller_identity(request):
    if request.access_key == ROOT_ACCESS_KEY:
        # Root credentials: practise (and test) what the wizard says to someone who uses them.
        inner = (element("Arn", f"arn:aws:iam::{request.account_id}:root") + element("UserId", request.account_id)
                 + element("Account", request.account_id))
        return result("GetCallerIdentity", inner, namespace=STS_NS)
    key = accounts.iam_backend(request.account_id).access_keys.get(request.access_key)
    if request.caller_is_root():
        inner = (element("Arn", f"arn:aws:iam::{request.account_id}:root") + element("UserId", request.account_id)
                 + element("Account", request.account_id))
        return result("GetCallerIdentity", inner, namespace=STS_NS)
    name = getattr(key, "sandbox_console_user", None) if key is not None else None
    if not name:
        return request.forward()
    user = request.backend.users.get(name)
    user_id = user.id if user else "AIDA" + request.access_key[4:]
    inner = (element("Arn", f"arn:aws:iam::{request.account_id}:user/{name}") + element("UserId", user_id)
             + element("Account", request.account_id))
    return result("GetCallerIdentity", inner, namespace=STS_NS)


# --- MFA --------------------------------------------------------------------

def create_virtual_mfa_device(request):
    name = request.param("VirtualMFADeviceName")
    _check_name(name, rules.MFA_DEVICE_NAME)
    device = _moto_call(request.backend.create_virtual_mfa_device, name, request.param("Path"))
    uri = otpauth_uri(device.base32_string_seed, name, accounts.account_label(request.account_id))
    device.qr_code_png = qr_png(uri)
    inner = ("<VirtualMFADevice>" + element("SerialNumber", device.serial_number)
             + blob("Base32StringSeed", device.base32_string_seed.encode("ascii"))
             + blob("QRCodePNG", device.qr_code_png) + "</VirtualMFADevice>")
    return result("CreateVirtualMFADevice", inner)


def _virtual_device(request, serial):
    device = request.backend.virtual_mfa_devices.get(serial or "")
    if device is None:
        raise IAMError("NoSuchEntity", f"MFA Device with serial number {serial} does not exist.")
    return device


def _check_codes(device, request):
    """The step of AuthenticationCode1 when the two codes are right and neither was accepted before
    (AWS refuses a code it already accepted, at sign-in or enrolment, for the rest of its window)."""
    step = mfa.consecutive_codes_step(device.base32_string_seed, request.param("AuthenticationCode1"),
                                      request.param("AuthenticationCode2"))
    if step is None or {step, step + 1} & set(mfa.used_steps(device)):
        raise IAMError("InvalidAuthenticationCode", "Authentication code for device is not valid.")
    return step


def enable_mfa_device(request):
    user = _user(request, request.param("UserName"))
    serial = request.param("SerialNumber")
    device = _virtual_device(request, serial)
    if device.user is not None or serial in user.mfa_devices:
        raise IAMError("EntityAlreadyExists", "MFA Device is already in use.")
    if len(user.mfa_devices) >= MFA_DEVICES_PER_USER:
        raise IAMError("LimitExceeded", f"Cannot exceed quota for MFADevicesPerUser: {MFA_DEVICES_PER_USER}")
    step = _check_codes(device, request)
    response = request.forward()
    if response.status < 400:
        mfa.mark_used(device, step, step + 1)
    return response


def deactivate_mfa_device(request):
    if not request.param("UserName") and request.caller_is_root():
        if not root.deactivate_mfa(request.backend, request.param("SerialNumber")):
            raise IAMError("NoSuchEntity", f"MFA Device with serial number {request.param('SerialNumber')} is not the root user's.")
        return result("DeactivateMFADevice")
    return request.forward()


def _root_keys(request, action):
    """Access keys of the root user (CreateAccessKey, ListAccessKeys, DeleteAccessKey without a UserName, as root)."""
    backend = request.backend
    if action == "CreateAccessKey":
        key = root.create_access_key(backend)
        inner = ("<AccessKey>" + element("AccessKeyId", key.access_key_id) + element("SecretAccessKey", key.secret_access_key)
                 + element("Status", "Active") + element("CreateDate", _iso(key.create_date)) + "</AccessKey>")
        return result(action, inner)
    if action == "DeleteAccessKey":
        if not root.delete_access_key(backend, request.param("AccessKeyId")):
            raise IAMError("NoSuchEntity", f"The Access Key with id {request.param('AccessKeyId')} cannot be found")
        return result(action)
    members = "".join("<member>" + element("AccessKeyId", key_id) + element("Status", "Active") + element("CreateDate", _iso(created)) + "</member>"
                      for key_id, created in root.state(backend)["access_keys"].items())
    return result(action, f"<AccessKeyMetadata>{members}</AccessKeyMetadata>" + element("IsTruncated", False))


def _access_keys(request):
    if not request.param("UserName") and request.caller_is_root():
        return _root_keys(request, request.action)
    return _own_user_by_default(request)


def resync_mfa_device(request):
    user = _user(request, request.param("UserName"))
    serial = request.param("SerialNumber")
    device = _virtual_device(request, serial)
    if serial not in user.mfa_devices:
        raise IAMError("NoSuchEntity", f"MFA Device with serial number {serial} is not assigned to user {user.name}.")
    step = _check_codes(device, request)
    mfa.mark_used(device, step, step + 1)
    return result("ResyncMFADevice")


def delete_virtual_mfa_device(request):
    serial = request.param("SerialNumber")
    device = _virtual_device(request, serial)
    if device.user is not None or getattr(device, "sandbox_root", False):  # the root user's counts as assigned too
        raise IAMError("DeleteConflict", "MFA device is still assigned to a user; deactivate it first.")
    return request.forward()


# --- account ----------------------------------------------------------------

def create_account_alias(request):
    alias = request.param("AccountAlias") or ""
    if not re.fullmatch(r"[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]", alias):
        raise IAMError("ValidationError", f"1 validation error detected: Value '{alias}' at 'accountAlias' failed to "
                                          "satisfy constraint: Member must satisfy regular expression pattern: "
                                          "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
    owner = accounts.find_account(alias)
    if owner is not None and owner != request.account_id:
        raise IAMError("EntityAlreadyExists", f"The account alias {alias} already exists.")
    return request.forward()


def _refuse_aws_policy_change(request):
    arn = request.param("PolicyArn") or ""
    if arn.startswith(AWS_POLICY_PREFIX):
        # AWS managed policies cannot be changed by customers (and here they are shared).
        raise IAMError("AccessDenied", f"Policy {arn} is an AWS managed policy and cannot be modified.")
    return request.forward()


def delete_policy(request):
    """AWS refuses to delete a customer managed policy that is still attached, or that has versions
    besides the default one (DeleteConflict); moto deletes it anyway."""
    arn = request.param("PolicyArn") or ""
    if arn.startswith(AWS_POLICY_PREFIX):
        return _refuse_aws_policy_change(request)
    policy = request.backend.managed_policies.get(arn)
    if policy is not None:
        if policy.attachment_count:
            raise IAMError("DeleteConflict", "Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise IAMError("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete "
                                             "the policy's versions. The default version is deleted with the policy.")
    return request.forward()


IAM = {
    "CreateUser": create_user,
    "UpdateUser": update_user,
    "CreateGroup": create_group,
    "UpdateGroup": update_group,
    "DeleteUser": delete_user,
    "DeleteGroup": delete_group,
    "CreateLoginProfile": create_login_profile,
    "GetLoginProfile": get_login_profile,
    "UpdateLoginProfile": update_login_profile,
    "DeleteLoginProfile": delete_login_profile,
    "ChangePassword": change_password,
    "GetUser": get_user,
    "ListMFADevices": _own_user_by_default,
    "ListAccessKeys": _access_keys,
    "CreateAccessKey": _access_keys,
    "DeleteAccessKey": _access_keys,
    "DeactivateMFADevice": deactivate_mfa_device,
    "PutUserPermissionsBoundary": put_user_permissions_boundary,
    "DeleteUserPermissionsBoundary": delete_user_permissions_boundary,
    "CreateVirtualMFADevice": create_virtual_mfa_device,
    "EnableMFADevice": enable_mfa_device,
    "ResyncMFADevice": resync_mfa_device,
    "DeleteVirtualMFADevice": delete_virtual_mfa_device,
    "CreateAccountAlias": create_account_alias,
    "CreatePolicyVersion": _refuse_aws_policy_change,
    "DeletePolicyVersion": _refuse_aws_policy_change,
    "SetDefaultPolicyVersion": _refuse_aws_policy_change,
    "DeletePolicy": delete_policy,
    "TagPolicy": _refuse_aws_policy_change,
    "UntagPolicy": _refuse_aws_policy_change,
}

STS = {
    "GetCallerIdentity": get_caller_identity,
}
