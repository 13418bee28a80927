"""Encrypt the few secrets the wizard must hold for a moment (one-time password, MFA seed).

The key is derived from SECRET_KEY, so a database dump alone reveals nothing.
"""
import base64
import functools
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@functools.lru_cache(maxsize=4)
def _fernet(secret_key):
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"iamwizard-vault", info=b"run-secrets").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plaintext: str) -> bytes:
    return _fernet(settings.SECRET_KEY).encrypt(plaintext.encode())


def unseal(box) -> str | None:
    """The secret, or None when the box is empty or cannot be opened (e.g. key rotated)."""
    if not box:
        return None
    try:
        return _fernet(settings.SECRET_KEY).decrypt(bytes(box)).decode()
    except InvalidToken:
        return None


def seal_json(value) -> str:
    """`value` (JSON-able, e.g. a console session's credentials) sealed, as text a step's JSON result holds."""
    return seal(json.dumps(value)).decode()


def unseal_json(box: str | None):
    """What seal_json sealed, or None when the box is empty or cannot be opened."""
    text = unseal(box.encode()) if box else None
    return json.loads(text) if text else None
