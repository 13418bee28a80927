"""Pure sandbox logic: name rules, password policy, TOTP pairs, PNG."""
import pyotp
import pytest

from iamwizard.core.names import same_name, same_name_ignoring_case
from iamwizard.sandbox import mfa, passwords, rules
from iamwizard.sandbox.qr_png import qr_png


def test_name_rules():
    assert rules.name_error("a" * 64, rules.USER_NAME) is None
    assert "less than or equal to 64" in rules.name_error("a" * 65, rules.USER_NAME)
    assert "regular expression" in rules.name_error("a b", rules.USER_NAME)
    assert rules.name_error("", rules.GROUP_NAME)
    # The sandbox uses the wizard's one name lookup (core.names), so both agree on what clashes.
    assert same_name_ignoring_case("ALICE", ["Alice"]) == "Alice"
    assert same_name("ALICE", "alice") and not same_name("alice", "alicia")


@pytest.mark.parametrize("password, ok", [
    ("Passw0rd", True), ("pass word1", False), ("abcDEF12", True), ("abc!@#12", True), ("ABCdef!!", True),
    ("Ab1!", False), ("abcdefgh", False), ("x" * 129, False),
])
def test_default_policy(password, ok):
    assert (passwords.violations(password) == []) is ok


def test_custom_policy():
    policy = passwords.PasswordPolicy.from_aws({"MinimumPasswordLength": 10, "RequireSymbols": True, "RequireNumbers": True})
    assert passwords.violations("abcdefghi1!", policy) == []
    assert len(passwords.violations("abc", policy)) == 3


def test_password_hashing():
    stored = passwords.hash_password("Secret-123")
    assert "Secret-123" not in stored
    assert passwords.verify_password("Secret-123", stored)
    assert not passwords.verify_password("secret-123", stored)


def test_consecutive_codes():
    seed = pyotp.random_base32()
    totp = pyotp.TOTP(seed)
    now = 1_700_000_000
    assert mfa.consecutive_codes_valid(seed, totp.at(now - 30), totp.at(now), now=now)
    assert mfa.consecutive_codes_valid(seed, totp.at(now - 90), totp.at(now - 60), now=now)
    assert not mfa.consecutive_codes_valid(seed, totp.at(now), totp.at(now - 30), now=now)
    assert not mfa.consecutive_codes_valid(seed, totp.at(now - 300), totp.at(now - 270), now=now)
    assert not mfa.consecutive_codes_valid(seed, "12345", "123456", now=now)


def test_otpauth_uri_and_png():
    from iamwizard.core.totp import otpauth_uri

    uri = otpauth_uri("ABCDEF", "bob", "my-alias")  # the sandbox encodes the same link the wizard shows
    assert uri == "otpauth://totp/Amazon%20Web%20Services:bob@my-alias?secret=ABCDEF&issuer=Amazon%20Web%20Services"
    assert qr_png(uri).startswith(b"\x89PNG\r\n\x1a\n")


def _decode_png(png):
    """A 1-bit greyscale PNG's (width, height, rows of pixels, 0 black 1 white), read the plain way."""
    import struct
    import zlib

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(png):
        (length,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        data = png[at + 8:at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + data)
        chunks[kind] = chunks.get(kind, b"") + data
        at += 12 + length
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, compression, filtering, interlace) == (1, 0, 0, 0, 0)
    raw, stride = zlib.decompress(chunks[b"IDAT"]), 1 + (width + 7) // 8
    assert len(raw) == height * stride and b"IEND" in chunks
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0  # filter type None
        rows.append([(line[1 + x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
        assert all((line[1 + x // 8] >> (7 - x % 8)) & 1 == 0 for x in range(width, (stride - 1) * 8))  # padding bits
    return width, height, rows


@pytest.mark.parametrize("scale", [1, 3, 6, 7])
def test_the_png_has_each_module_as_a_square_of_pixels(scale):
    """Pixel (x, y) is black exactly where the QR matrix's module (x // scale, y // scale) is dark."""
    import qrcode

    from iamwizard.core.totp import QR_MASK, otpauth_uri
    from iamwizard.sandbox.qr_png import matrix_to_png

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=QR_MASK)
    qr.add_data(otpauth_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice", "123456789012"))
    qr.make(fit=True)
    matrix = qr.get_matrix()
    width, height, rows = _decode_png(matrix_to_png(matrix, scale=scale))
    assert width == height == len(matrix) * scale
    assert rows == [[0 if matrix[y // scale][x // scale] else 1 for x in range(width)] for y in range(height)]
    assert any(any(row) for row in matrix) and not all(all(row) for row in matrix)  # both colours tested


def test_the_png_of_an_odd_matrix_pads_each_row_with_zero_bits():
    from iamwizard.sandbox.qr_png import matrix_to_png

    matrix = [[True, False, True], [False, False, True], [True, True, False]]
    width, height, rows = _decode_png(matrix_to_png(matrix, scale=5))
    assert (width, height) == (15, 15)
    assert rows[0] == [0] * 5 + [1] * 5 + [0] * 5 and rows[14] == [0] * 10 + [1] * 5
