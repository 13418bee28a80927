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
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=QR_MASK)
    qr.add_data(text)
    qr.make(fit=True)
    return matrix_to_png(qr.get_matrix())
