"""Virtual MFA: TOTP checks like AWS's, and the steps a device already accepted (pure functions).

The device's QR code PNG is drawn by `qr_png`. The codes come from `iamwizard.core.totp` (pyotp), the same ones the wizard's diagnoses search.
"""
import time

from iamwizard.core.totp import STEP_SECONDS, Codes

# AWS accepts a code pair a little out of step with the server's clock.
DRIFT_WINDOWS = 2


# How many accepted 30 s steps a device remembers: far more than the windows a code stays valid in.
USED_STEPS_KEPT = 16


def consecutive_codes_step(seed, code1, code2, now=None, drift=DRIFT_WINDOWS):
    """The 30 s step of code1 when code1 and code2 are the codes of two consecutive windows near now, else None."""
    if not (isinstance(code1, str) and isinstance(code2, str)):
        return None
    if not (len(code1) == len(code2) == 6 and code1.isdigit() and code2.isdigit()):
        return None
    now = time.time() if now is None else now
    base = int(now) // STEP_SECONDS
    steps = Codes(seed, base - drift - 1, base + drift + 1).consecutive(code1, code2)
    return steps[0] if steps else None


def consecutive_codes_valid(seed, code1, code2, now=None, drift=DRIFT_WINDOWS):
    """True when code1 and code2 are the codes of two consecutive 30 s windows near now."""
    return consecutive_codes_step(seed, code1, code2, now, drift) is not None


def used_steps(device) -> list:
    """The 30 s steps whose codes this (moto) virtual device already had accepted."""
    return list(getattr(device, "sandbox_used_steps", []))


def mark_used(device, *steps):
    """AWS accepts a code once: remember the steps of the codes just accepted."""
    device.sandbox_used_steps = sorted(set(used_steps(device)) | set(steps))[-USED_STEPS_KEPT:]
