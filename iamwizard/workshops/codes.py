"""Join codes: short enough to type from a projector, hard enough to guess.

8 characters from a 31-symbol alphabet without look-alikes (no 0/O, 1/I/L) give
31**8 ≈ 8.5e11 codes; with wrong guesses limited per client (see wizard/ratelimit.py) a
guesser would need millennia to hit one of a handful of open workshops.
"""
import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-–—_.]+")


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str | None:
    """The stored form of a typed code (upper case, no dash or spaces), or None if it cannot be one."""
    code = _SEPARATORS.sub("", typed or "").upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display(code: str) -> str:
    """XXXX-XXXX, as shown to people."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"
