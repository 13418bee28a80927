"""IAM is eventually consistent: which NoSuchEntity answers may only mean "not visible yet".

For a few seconds after a write, IAM's reads may not show it, and a write that depends on it
(CreateLoginProfile right after CreateUser, EnableMFADevice right after CreateVirtualMFADevice,
attaching a policy just created) may answer NoSuchEntity. AWS's advice is to wait and ask again.

The wizard asks again only when the entity the call needs is one it made itself moments ago
(within SETTLE_SECONDS) and has not deleted since: then NoSuchEntity is most likely IAM not
showing it yet. Any other NoSuchEntity is an answer (no console password, a user someone
deleted), given at once. Pure: the boundary (aws/gateway.py) makes the calls and the waits.
"""
from .names import name_key

SETTLE_SECONDS = 20
# Seconds to wait before the 2nd, 3rd... attempt; then the last one again, while time allows.
DELAYS = (0.25, 0.5, 1.0, 1.5, 2.0)

# operation -> (kind of entity it makes, the parameter that names it)
_MAKES = {
    "CreateUser": ("user", "UserName"),
    "CreateLoginProfile": ("login", "UserName"),
    "CreateGroup": ("group", "GroupName"),
    "CreatePolicy": ("policy", "PolicyName"),
    "CreateVirtualMFADevice": ("mfa", "VirtualMFADeviceName"),
}
_UNMAKES = {
    "DeleteUser": ("user", "UserName"),
    "DeleteLoginProfile": ("login", "UserName"),
    "DeleteGroup": ("group", "GroupName"),
    "DeletePolicy": ("policy", "PolicyArn"),
    "DeleteVirtualMFADevice": ("mfa", "SerialNumber"),
}
# Which parameter names which kind of entity a call needs.
_NEEDS = (("UserName", "user"), ("GroupName", "group"), ("PolicyArn", "policy"),
          ("PermissionsBoundary", "policy"), ("SerialNumber", "mfa"))
_LOGIN_PROFILE = {"GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile"}
OPERATIONS = frozenset(_MAKES) | frozenset(_UNMAKES)  # the calls that matter to `made_recently`


def _ref(kind, value):
    # Policies and MFA devices are named by ARN in some calls and by name in others: the last
    # part of the ARN is the name. IAM names are unique ignoring case.
    name = (value or "").rsplit("/", 1)[-1] if kind in ("policy", "mfa") else (value or "")
    return kind, name_key(name)


def needs(operation: str, params: dict) -> set:
    """The entities (kind, name) that must exist for the call, those it does not create itself."""
    made = _MAKES.get(operation)
    if operation in _LOGIN_PROFILE:
        return {_ref("login", params.get("UserName"))}
    return {_ref(kind, params[parameter]) for parameter, kind in _NEEDS
            if params.get(parameter) and made != (kind, parameter)}


def made_recently(history, needed: set, now: float, settle: float = SETTLE_SECONDS) -> float | None:
    """When the most recently made of `needed` was made (seconds since the epoch), if that was less
    than `settle` seconds before `now` and it was not deleted since; None otherwise. `history` is
    the successful calls, oldest first, as (moment, operation, params)."""
    made = {}
    for moment, operation, params in history:
        if operation in _MAKES:
            kind, parameter = _MAKES[operation]
            made[_ref(kind, params.get(parameter))] = moment
        elif operation in _UNMAKES:
            kind, parameter = _UNMAKES[operation]
            made.pop(_ref(kind, params.get(parameter)), None)
    moments = [made[ref] for ref in needed if ref in made and now - made[ref] < settle]
    return max(moments) if moments else None


def delay(attempt: int) -> float:
    """Seconds to wait after attempt number `attempt` (1, 2, ...) before the next one."""
    return DELAYS[min(attempt, len(DELAYS)) - 1]
