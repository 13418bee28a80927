"""The QR code PNG of a sandbox virtual MFA device (CreateVirtualMFADevice's QRCodePNG).

A 1-bit greyscale PNG written with struct and zlib, so the sandbox needs no pillow; the QR
matrix is the one `core.totp.qr_svg` draws for the wizard's pages (same mask).
"""
import struct
import zlib

import qrcode

from iamwizard.core.totp import QR_MASK


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def matrix_to_png(matrix, scale=6):
    """A 1-bit greyscale PNG of a boolean matrix (True = dark module).

    Each pixel row is built as one int (a module is `scale` bits: 0 dark, 1 light), padded to
    whole bytes; the same rows as setting each pixel's bit one by one, at a fraction of the work."""
    size = len(matrix) * scale
    width = (size + 7) // 8
    pad = width * 8 - size
    light, dark = "1" * scale, "0" * scale
    rows = []
    for row in matrix:
        bits = int("".join(dark if module else light for module in row), 2) << pad
        rows.append((b"\x00" + bits.to_bytes(width, "big")) * scale)
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _png_chunk(b"IEND", b""))


def qr_png(text):
    """The QR code of `text` as PNG bytes (no pillow needed)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=QR_MASK)
    qr.add_data(text)
    qr.make(fit=True)
    return matrix_to_png(qr.get_matrix())
