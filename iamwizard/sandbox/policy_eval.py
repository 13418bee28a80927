"""IAM policy evaluation for calls an IAM user signs with their own credentials (console session
or access key): explicit Deny wins, then an Allow is needed, else AccessDenied, as AWS decides.

Supported: Action / NotAction, Resource / NotResource (wildcards, ${aws:username}), and the
conditions Bool and BoolIfExists on aws:MultiFactorAuthPresent (true only for a session that
signed in with MFA). A statement with another condition operator or key is treated as not
applying to the request (so it neither allows nor denies). Calls made through an assumed role
(the wizard's own) are not evaluated.
"""
import fnmatch
import json
from urllib.parse import unquote

# The account password policy's AllowUsersToChangePassword lets users do these without any policy.
SELF_SERVICE_BY_ACCOUNT_POLICY = ("iam:ChangePassword", "iam:GetAccountPasswordPolicy")


def _list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def parse(document):
    try:
        parsed = json.loads(unquote(document) if document.lstrip().startswith("%") else document)
    except (TypeError, ValueError, AttributeError):
        return []
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    return [statements] if isinstance(statements, dict) else list(statements)


def _matches(patterns, value, variables):
    for pattern in patterns:
        for name, actual in variables.items():
            pattern = pattern.replace("${" + name + "}", actual)
        if fnmatch.fnmatchcase(value.lower(), pattern.lower()):
            return True
    return False


def _condition_holds(condition, context) -> bool | None:
    """True/False; None when the statement uses a condition this evaluator does not know."""
    for operator, keys in (condition or {}).items():
        if operator not in ("Bool", "BoolIfExists") or not isinstance(keys, dict):
            return None
        for key, wanted in keys.items():
            if key.lower() != "aws:multifactorauthpresent":
                return None
            present = context.get("aws:MultiFactorAuthPresent")
            if present is None:
                if operator == "BoolIfExists":
                    continue
                return False
            if str(present).lower() not in [str(w).lower() for w in _list(wanted)]:
                return False
    return True


def _applies(statement, action, resource, context, variables) -> bool:
    if "NotAction" in statement:
        if _matches(_list(statement["NotAction"]), action, {}):
            return False
    elif not _matches(_list(statement.get("Action")), action, {}):
        return False
    if "NotResource" in statement:
        if _matches(_list(statement["NotResource"]), resource, variables):
            return False
    elif not _matches(_list(statement.get("Resource")), resource, variables):
        return False
    return _condition_holds(statement.get("Condition"), context) is True


def decide(documents, action, resource, context, user_name, implicitly_allowed=False) -> str:
    """"Deny" (explicit), "Allow", or "ImplicitDeny"."""
    variables = {"aws:username": user_name}
    allowed = implicitly_allowed
    for document in documents:
        for statement in parse(document):
            if not isinstance(statement, dict) or not _applies(statement, action, resource, context, variables):
                continue
            if statement.get("Effect") == "Deny":
                return "Deny"
            if statement.get("Effect") == "Allow":
                allowed = True
    return "Allow" if allowed else "ImplicitDeny"


def _default_document(policy):
    for version in policy.versions:
        if version.is_default:
            return version.document
    return "{}"


def user_documents(backend, user):
    """Every identity policy that applies to the user: inline and managed, the user's and its groups'."""
    holders = [user] + list(backend.get_groups_for_user(user.name))
    documents = []
    for holder in holders:
        documents += list(holder.policies.values())
        documents += [_default_document(p) for p in holder.managed_policies.values()]
    return documents


def resource_arn(account_id, action, params, caller):
    """The ARN the request acts on, as IAM's authorization sees it ("*" when the action has no resource)."""
    base = f"arn:aws:iam::{account_id}:"
    if action in ("CreateVirtualMFADevice",):
        return base + "mfa/" + (params.get("VirtualMFADeviceName") or "")
    if action in ("DeleteVirtualMFADevice",):
        return params.get("SerialNumber") or base + "mfa/"
    if params.get("PolicyArn") and "User" not in action and "Group" not in action:
        return params["PolicyArn"]
    if params.get("UserName") or action in ("ChangePassword", "GetUser", "ListMFADevices", "GetLoginProfile",
                                            "ListAccessKeys", "ListGroupsForUser", "ListAttachedUserPolicies"):
        return base + "user/" + (params.get("UserName") or caller)
    if params.get("GroupName"):
        return base + "group/" + params["GroupName"]
    if action.startswith("List") and action.endswith("Users"):
        return base + "user/*"
    return "*"
