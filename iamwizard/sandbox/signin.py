"""Console sign-in practice: POST /_sandbox/console-signin (not an AWS API).

Form fields `account` (12-digit id or alias), `user_name`, `password`.
200 -> JSON temporary credentials acting as that IAM user; 401 -> InvalidCredentials
with one message for every kind of mistake, like the console.
"""
import json
import secrets

from moto.core.utils import utcnow

from . import accounts, passwords
from .awsxml import Response

INVALID_MESSAGE = "Your authentication information is incorrect. Please try again."


def _json(status, payload):
    return Response(status, json.dumps(payload), "application/json")


def _invalid():
    return _json(401, {"Code": "InvalidCredentials", "Message": INVALID_MESSAGE})


def find_user(backend, user_name):
    user = backend.users.get(user_name)
    if user is None:
        folded = (user_name or "").casefold()
        user = next((u for name, u in backend.users.items() if name.casefold() == folded), None)
    return user


def console_signin(params):
    """(response, account id touched or None)."""
    account_id = accounts.find_account(params.get("account", ""))
    if account_id is None:
        return _invalid(), None
    backend = accounts.iam_backend(account_id)
    user = find_user(backend, params.get("user_name", ""))
    if user is None or not passwords.verify_password(params.get("password", ""), user.password):
        return _invalid(), None

    key = backend.create_temp_access_key()
    key.sandbox_console_user = user.name
    user.password_last_used = utcnow()
    return _json(200, {
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
        "SessionToken": secrets.token_urlsafe(96),
        "PasswordResetRequired": bool(user.password_reset_required),
        "AccountId": account_id,
        "UserName": user.name,
    }), account_id
