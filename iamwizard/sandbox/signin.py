"""Console sign-in practice: POST /_sandbox/console-signin (not an AWS API).

Form fields `account` (12-digit id or alias), `user_name`, `password`; or, for the root user,
`email` (root@<account id>.sandbox.example, see root.py) and `password`.
200 -> JSON temporary credentials acting as that IAM user; 401 -> InvalidCredentials
with one message for every kind of mistake, like the console.

A user with an MFA device is asked for its code after the password, as the console does:
the right password answers 200 with `MFARequired: true` and a `Challenge` (no credentials
yet), valid for CHALLENGE_SECONDS; then POST `challenge` and `mfa_code`. The code must be
the device's code of a 30 s window near now, not accepted before (at sign-in or when the
device was enabled). A wrong one answers 401 InvalidMFACode with a `Diagnosis` (kind and
parameters, iamwizard.core.totp's words: phone clock off, code used already..., and the
verdict), since
this console exists to teach; an unknown or expired challenge answers 401 ChallengeExpired.
The credentials of an MFA sign-in carry `MFAAuthenticated: true` (aws:MultiFactorAuthPresent).
"""
import hashlib
import json
import secrets
import time

from moto.core.utils import utcnow

from iamwizard.core.names import same_name_ignoring_case
from iamwizard.core.totp import diagnose_code

from . import accounts, mfa, passwords, root
from .awsxml import Response

INVALID_MESSAGE = "Your authentication information is incorrect. Please try again."
CHALLENGE_SECONDS = 5 * 60
CHALLENGE_TRIES = 10  # wrong codes before the password must be typed again
_challenges = {}  # sha256(challenge) -> [account id, user name, expires (monotonic), tries left]


def _json(status, payload):
    return Response(status, json.dumps(payload), "application/json")


def _invalid():
    return _json(401, {"Code": "InvalidCredentials", "Message": INVALID_MESSAGE})


def find_user(backend, user_name):
    user = backend.users.get(user_name)
    if user is None:
        name = same_name_ignoring_case(user_name or "", backend.users)
        user = backend.users[name] if name is not None else None
    return user


def _digest(challenge):
    return hashlib.sha256(challenge.encode("utf-8", "replace")).hexdigest()


def user_devices(backend, user):
    """The user's enabled virtual MFA devices (moto objects holding the seed)."""
    return [backend.virtual_mfa_devices[serial] for serial in user.mfa_devices if serial in backend.virtual_mfa_devices]


def console_signin(params, now=None):
    """(response, account id touched or None)."""
    if params.get("challenge"):
        return _answer_challenge(params, now)
    if params.get("email"):
        return _root_signin(params)
    account_id = accounts.find_account(params.get("account", ""))
    if account_id is None:
        return _invalid(), None
    backend = accounts.iam_backend(account_id)
    user = find_user(backend, params.get("user_name", ""))
    if user is None or not passwords.verify_password(params.get("password", ""), user.password):
        return _invalid(), None
    if user_devices(backend, user):
        return _json(200, {"MFARequired": True, "Challenge": _new_challenge(account_id, user.name), "AccountId": account_id, "UserName": user.name}), None
    return _signed_in(backend, account_id, user, mfa_used=False), account_id


def _new_challenge(account_id, user_name):
    challenge = secrets.token_urlsafe(32)
    for digest, entry in list(_challenges.items()):
        if entry[2] < time.monotonic():
            del _challenges[digest]
    _challenges[_digest(challenge)] = [account_id, user_name, time.monotonic() + CHALLENGE_SECONDS, CHALLENGE_TRIES]
    return challenge


def _root_signin(params):
    """The root user signs in with the account's e-mail address (user_name None in a challenge)."""
    account_id = root.account_of(params["email"])
    backend = accounts.existing_iam_backend(account_id) if account_id else None
    if backend is None or not root.password_ok(backend, params.get("password", "")):
        return _invalid(), None
    if root.devices(backend):
        return _json(200, {"MFARequired": True, "Challenge": _new_challenge(account_id, None), "AccountId": account_id}), None
    return _root_session(backend, account_id, mfa_used=False), account_id


def _root_session(backend, account_id, mfa_used, serial=""):
    key = backend.create_temp_access_key()
    key.sandbox_root = True
    key.sandbox_mfa = mfa_used
    answer = {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key, "SessionToken": secrets.token_urlsafe(96),
              "AccountId": account_id, "Root": True, "MFAAuthenticated": mfa_used}
    if serial:
        answer["SerialNumber"] = serial
    return _json(200, answer)


def _answer_challenge(params, now):
    digest = _digest(params["challenge"])
    entry = _challenges.get(digest)
    expired = {"Code": "ChallengeExpired", "Message": "The sign-in timed out. Sign in again with your password."}
    if entry is None or entry[2] < time.monotonic():
        _challenges.pop(digest, None)
        return _json(401, expired), None
    account_id, user_name = entry[0], entry[1]
    backend = accounts.existing_iam_backend(account_id)
    user = backend.users.get(user_name) if backend is not None and user_name is not None else None
    if backend is None:
        devices = []
    else:
        devices = root.devices(backend) if user_name is None else (user_devices(backend, user) if user is not None else [])
    if not devices:
        _challenges.pop(digest, None)
        return _json(401, expired), None
    code = params.get("mfa_code", "")
    diagnoses = [(device, diagnose_code(device.base32_string_seed, code, now=now, used_steps=mfa.used_steps(device))) for device in devices]
    accepted = next(((device, d) for device, d in diagnoses if d.ok), None)
    if accepted is None:
        entry[3] -= 1
        if entry[3] <= 0:
            _challenges.pop(digest, None)
        _, diagnosis = diagnoses[-1]  # the latest device: the one most likely in front of the person
        return _json(401, {"Code": "InvalidMFACode", "Message": "Your authentication information is incorrect. Please try again.",
                           "Diagnosis": {"kind": diagnosis.problem.kind, "params": diagnosis.problem.params, "verdict": diagnosis.kind},
                           "TriesLeft": max(entry[3], 0)}), None
    device, diagnosis = accepted
    mfa.mark_used(device, diagnosis.step)
    del _challenges[digest]
    if user_name is None:
        return _root_session(backend, account_id, mfa_used=True, serial=device.serial_number), account_id
    return _signed_in(backend, account_id, user, mfa_used=True, serial=device.serial_number), account_id


def _signed_in(backend, account_id, user, mfa_used, serial=""):
    key = backend.create_temp_access_key()
    key.sandbox_console_user = user.name
    key.sandbox_mfa = mfa_used
    user.password_last_used = utcnow()
    answer = {
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
        "SessionToken": secrets.token_urlsafe(96),
        "PasswordResetRequired": bool(user.password_reset_required),
        "AccountId": account_id,
        "UserName": user.name,
        "MFAAuthenticated": mfa_used,
    }
    if serial:
        answer["SerialNumber"] = serial
    return _json(200, answer)
