"""Virtual MFA: TOTP checks like AWS's and a real QR code PNG (pure functions).

The codes come from `iamwizard.core.totp` (pyotp), the same ones the wizard's diagnoses search.
"""
import struct
import time
import zlib

from iamwizard.core.totp import QR_MASK, STEP_SECONDS, Codes

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


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def matrix_to_png(matrix, scale=6):
    """A 1-bit greyscale PNG of a boolean matrix (True = dark module)."""
    size = len(matrix) * scale
    rows = []
    for row in matrix:
        bits = []
        for dark in row:
            bits.extend([0 if dark else 1] * scale)
        bits.extend([0] * (-len(bits) % 8))
        packed = bytes(
            int("".join(str(b) for b in bits[i:i + 8]), 2) for i in range(0, len(bits), 8)
        )
        line = b"\x00" + packed
        rows.extend([line] * scale)
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _png_chunk(b"IEND", b""))


def qr_png(text):
    """The QR code of `text` as PNG bytes (no pillow needed)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=QR_MASK)
    qr.add_data(text)
    qr.make(fit=True)
    return matrix_to_png(qr.get_matrix())
