"""Each emulated account's root user, for practice: a sign-in by e-mail address, MFA enabled the
console's way, access keys, and GetAccountSummary reporting both (AccountMFAEnabled,
AccountAccessKeysPresent), which moto always leaves at 0.

AWS lets only the console enable MFA for the root user (EnableMFADevice requires a UserName): here
the practice console's route, POST /_sandbox/root-mfa, with a root console session's access key id.
"""
import re
import secrets

from . import mfa, passwords

EMAIL = "root@{account_id}.sandbox.example"
_EMAIL = re.compile(r"^root@(\d{12})\.sandbox\.example$", re.IGNORECASE)
KEY_PREFIX = "AKIA"


def email(account_id: str) -> str:
    return EMAIL.format(account_id=account_id)


def account_of(address: str) -> str | None:
    match = _EMAIL.match((address or "").strip())
    return match.group(1) if match else None


def state(backend) -> dict:
    """The root user's practice state, kept on the account's (pickled) IAM backend."""
    root = getattr(backend, "sandbox_root", None)
    if root is None:
        root = backend.sandbox_root = {"password": None, "mfa_serials": [], "access_keys": {}}
    return root


def new_password(backend) -> str:
    """A fresh practice password for the root user (as "Forgot password?" would give)."""
    password = secrets.token_urlsafe(12) + "-Aa1"
    state(backend)["password"] = passwords.hash_password(password)
    return password


def password_ok(backend, password: str) -> bool:
    hashed = state(backend)["password"]
    return bool(hashed) and passwords.verify_password(password or "", hashed)


def devices(backend) -> list:
    return [backend.virtual_mfa_devices[s] for s in state(backend)["mfa_serials"] if s in backend.virtual_mfa_devices]


def _summary(backend):
    root = state(backend)
    backend.account_summary._account_mfa_enabled = 1 if devices(backend) else 0
    backend.account_summary._account_access_keys_present = 1 if root["access_keys"] else 0


def enable_mfa(backend, device, code1, code2) -> bool:
    step = mfa.consecutive_codes_step(device.base32_string_seed, code1, code2)
    if step is None or {step, step + 1} & set(mfa.used_steps(device)):
        return False
    mfa.mark_used(device, step, step + 1)
    from moto.core.utils import utcnow

    device.enable_date = utcnow()
    device.sandbox_root = True
    state(backend)["mfa_serials"].append(device.serial_number)
    _summary(backend)
    return True


def deactivate_mfa(backend, serial) -> bool:
    root = state(backend)
    if serial not in root["mfa_serials"]:
        return False
    root["mfa_serials"].remove(serial)
    device = backend.virtual_mfa_devices.get(serial)
    if device is not None:
        device.enable_date = None
        device.sandbox_root = False  # unassigned again: it may be enabled once more, as on AWS
    _summary(backend)
    return True


def create_access_key(backend):
    from moto.iam.models import AccessKey

    key = AccessKey(user_name=None, prefix=KEY_PREFIX, account_id=backend.account_id)
    backend.access_keys[key.physical_resource_id] = key  # so that it signs requests into this account
    key.sandbox_root_key = True
    state(backend)["access_keys"][key.access_key_id] = key.create_date
    _summary(backend)
    return key


def delete_access_key(backend, key_id) -> bool:
    root = state(backend)
    if key_id not in root["access_keys"]:
        return False
    del root["access_keys"][key_id]
    backend.access_keys.pop(key_id, None)
    _summary(backend)
    return True
