import re
import time

import pyotp
import pytest
import qrcode

from iamwizard.core.problems import Problem
from iamwizard.core.totp import (
    QR_MASK,
    CodeDiagnosis,
    Codes,
    clean_code,
    diagnose_codes,
    group_secret,
    otpauth_uri,
    qr_svg,
)

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 56_666_667 * 30 + 10  # 10 s into a 30 s window
N = NOW // 30
TOTP = pyotp.TOTP(SEED)


def code(step: int) -> str:
    """Reference code from pyotp, independent of the module under test."""
    return TOTP.at(step * 30)


def diagnose(code1, code2, **kw):
    return diagnose_codes(SEED, code1, code2, now=NOW, **kw)


# --- otpauth URI and secret display ---------------------------------------------

def test_otpauth_uri_format():
    assert otpauth_uri("ABCDEFGH", "alice-phone", "123456789012") == (
        "otpauth://totp/Amazon%20Web%20Services:alice-phone@123456789012"
        "?secret=ABCDEFGH&issuer=Amazon%20Web%20Services"
    )


def test_otpauth_uri_quotes_special_characters():
    uri = otpauth_uri("abcd efgh==", "a+b=c,d", "my alias", issuer="Acme & Co")
    assert uri == (
        "otpauth://totp/Acme%20%26%20Co:a%2Bb%3Dc%2Cd@my%20alias"
        "?secret=ABCDEFGH&issuer=Acme%20%26%20Co"
    )


def test_otpauth_uri_is_understood_by_pyotp():
    parsed = pyotp.parse_uri(otpauth_uri(SEED, "alice.phone", "example-alias"))
    assert parsed.secret == SEED
    assert parsed.issuer == "Amazon Web Services"
    assert parsed.name == "alice.phone@example-alias"


def test_group_secret():
    assert group_secret("ABCDEFGHIJKLMNOP") == "ABCD EFGH IJKL MNOP"
    assert group_secret("abcdefghij") == "ABCD EFGH IJ"
    assert group_secret(" ABCD EFGH ") == "ABCD EFGH"
    assert group_secret("") == ""
    assert group_secret(SEED).replace(" ", "") == SEED


# --- the codes searched ---------------------------------------------------------

def test_codes_are_pyotps_for_each_step_even_from_a_spaced_lowercase_seed():
    spaced = " ".join(SEED[i : i + 4] for i in range(0, len(SEED), 4)).lower()
    codes = Codes(spaced, N - 3, N + 3)
    assert codes.codes == [code(step) for step in range(N - 3, N + 4)]
    assert codes.steps_of(code(N + 1)) == [N + 1]


def test_codes_find_consecutive_pairs_earliest_first_and_not_reversed():
    codes = Codes(SEED, N - 5, N + 5)
    assert codes.consecutive(code(N - 1), code(N)) == [N - 1]
    assert codes.consecutive(code(N), code(N - 1)) == []
    assert codes.consecutive(code(N + 5), code(N + 6)) == []  # N + 6 is past the last step


# --- QR code ----------------------------------------------------------------------

def _path_segments(d: str):
    """The straight segments of an SVG path (M/m, L/l, H/h, V/v, Z/z, absolute or relative), as
    (subpath number, (x1, y1), (x2, y2)): any way of writing the same lines reads the same."""
    tokens = re.findall(r"[MmLlHhVvZz]|-?(?:\d+\.?\d*|\.\d+)", d)
    segments, x, y, start, sub, command, i = [], 0.0, 0.0, (0.0, 0.0), 0, None, 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                if (x, y) != start:
                    segments.append((sub, (x, y), start))
                x, y = start
                continue
        relative = command.islower()
        kind = command.upper()
        if kind in "ML":
            nx, ny = float(tokens[i]), float(tokens[i + 1])
            i += 2
        elif kind == "H":
            nx, ny = float(tokens[i]), (0.0 if relative else y)
            i += 1
        elif kind == "V":
            nx, ny = (0.0 if relative else x), float(tokens[i])
            i += 1
        else:
            raise AssertionError(f"unexpected path command {command}")
        if relative:
            nx, ny = nx + x, ny + y
        if kind == "M":
            sub += 1
            start = (nx, ny)
            command = "l" if relative else "L"  # further pairs after a move are lines
        else:
            segments.append((sub, (x, y), (nx, ny)))
        x, y = nx, ny
    return segments


def _matrix_from_svg(svg: str) -> list[list[bool]]:
    """The modules the SVG paints dark, read from its geometry (the test's QR decoder): a stroked
    path's lines (butt ends) or a filled path's shapes (nonzero rule), sampled at each module's centre.
    Every edge must fall on the module grid, so no module is half painted."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    tag = re.search(r"<path ([^>]*)/?>", svg).group(1)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
    segments = _path_segments(attrs["d"])
    stroked = attrs.get("stroke", "none") != "none"
    filled = attrs.get("fill", "black") != "none"
    assert stroked != filled, "the decoder reads either a stroked or a filled path"
    if stroked:
        half = float(attrs.get("stroke-width", "1")) / 2
        for _, (x1, y1), (x2, y2) in segments:
            assert x1 == x2 or y1 == y2, "lines along the grid only"
            for edge in ([y1 - half, y1 + half, min(x1, x2), max(x1, x2)] if y1 == y2 else [x1 - half, x1 + half, min(y1, y2), max(y1, y2)]):
                assert edge == int(edge), f"a line off the module grid: {(x1, y1, x2, y2)}"

        def dark(cx, cy):
            return any(
                (y1 == y2 and abs(cy - y1) < half and min(x1, x2) < cx < max(x1, x2))
                or (x1 == x2 and abs(cx - x1) < half and min(y1, y2) < cy < max(y1, y2))
                for _, (x1, y1), (x2, y2) in segments
            )
    else:
        for _, a, b in segments:
            assert all(v == int(v) for v in (*a, *b)), "corners on the module grid"

        def dark(cx, cy):
            winding = 0
            for _, (x1, y1), (x2, y2) in segments:
                if x1 == x2 and x1 > cx and min(y1, y2) < cy < max(y1, y2):
                    winding += 1 if y2 > y1 else -1
            return winding != 0

    return [[dark(x + 0.5, y + 0.5) for x in range(size)] for y in range(size)]


def _reference_matrix(data: str) -> list[list[bool]]:
    # The library's own drawing with the same (fixed) mask; any mask decodes to the same data.
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=QR_MASK)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


@pytest.mark.parametrize("data", ["x", otpauth_uri(SEED, "alice-phone", "123456789012")])
def test_qr_svg_draws_exactly_the_qr_matrix(data):
    assert _matrix_from_svg(qr_svg(data)) == _reference_matrix(data)


def test_qr_svg_has_quiet_zone_of_four_modules():
    matrix = _matrix_from_svg(qr_svg("hello"))
    size = len(matrix)
    for i in range(size):
        for j in list(range(4)) + list(range(size - 4, size)):
            assert not matrix[i][j] and not matrix[j][i]
    assert any(matrix[4])  # the code starts right after the quiet zone


def test_qr_svg_is_inline_accessible_and_csp_safe():
    svg = qr_svg(otpauth_uri(SEED, "d", "a"))
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "style" not in svg.lower()
    assert 'role="img"' in svg
    assert 'aria-label="QR code for your authenticator app"' in svg
    assert "<title>QR code for your authenticator app</title>" in svg
    assert svg.count("<path") == 1
    assert "width=" not in svg.split(">")[0]  # sized by CSS through the viewBox
    assert SEED not in svg  # the secret is drawn, never written out


# --- diagnose_codes ----------------------------------------------------------------

def test_reference_codes_are_distinct_nearby():
    """Guards the fixtures below: no accidental code collisions around NOW."""
    nearby = [code(s) for s in range(N - 30, N + 30)]
    assert len(set(nearby)) == len(nearby)


@pytest.mark.parametrize("first_step", [N - 2, N - 1, N])
def test_ok_within_window(first_step):
    result = diagnose(code(first_step), code(first_step + 1))
    assert result == CodeDiagnosis(True, "ok", Problem("mfa.ok"), None) and result.message == "The codes match."


def test_ok_with_spaces_and_default_clock():
    now_step = int(time.time() // 30)
    c1, c2 = code(now_step - 1), code(now_step)
    # With valid_window=1 this stays ok even if the clock ticks into the next window meanwhile.
    assert diagnose_codes(SEED, f" {c1[:3]} {c1[3:]} ", c2).ok


def test_valid_window_zero_accepts_only_current_step():
    assert diagnose(code(N - 1), code(N), valid_window=0).ok
    assert not diagnose(code(N - 2), code(N - 1), valid_window=0).ok


def test_lowercase_seed_with_spaces_works():
    assert diagnose_codes(group_secret(SEED).lower(), code(N - 1), code(N), now=NOW).ok


@pytest.mark.parametrize("bad, hint", [
    ("", "Enter MFA code"),
    ("12345", "this has 5"),
    ("1234567", "this has 7"),
    ("12a456", "no letters"),
    ("123-456", "no letters"),
    (SEED, "secret key"),
    ("JBSW Y3DP", "secret key"),
    ("jbswy3dpehpk", "secret key"),
])
@pytest.mark.parametrize("field", ["code1", "code2"])
def test_not_six_digits(bad, hint, field):
    codes = {"code1": code(N - 1), "code2": code(N)} | {field: bad}
    result = diagnose(codes["code1"], codes["code2"])
    assert (result.ok, result.kind, result.field) == (False, "not_six_digits", field)
    assert hint in result.message


def test_secret_key_message_text():
    assert diagnose(SEED, code(N)).message == (
        "That looks like the secret key, not a code: type the 6-digit number the app shows."
    )


def test_first_field_checked_first():
    assert diagnose("1", "2").field == "code1"


def test_same_code_twice():
    result = diagnose(code(N), f"{code(N)[:3]} {code(N)[3:]}")
    assert (result.kind, result.field) == ("same_code_twice", "code2")
    assert "wait for the app to show the next code" in result.message.lower()


def test_same_code_twice_even_if_unknown():
    assert diagnose("111111", "111111").kind == "same_code_twice"


@pytest.mark.parametrize("step", [N - 1, N, N + 3])
def test_reversed(step):
    result = diagnose(code(step), code(step - 1))
    assert (result.ok, result.kind, result.field) == (False, "reversed", None)
    assert "wrong order" in result.message


def test_reversed_with_gap():
    assert diagnose(code(N), code(N - 5)).kind == "reversed"


@pytest.mark.parametrize("steps", [(N - 4, N), (N - 2, N), (N - 10, N + 1)])
def test_not_consecutive(steps):
    result = diagnose(code(steps[0]), code(steps[1]))
    assert (result.kind, result.field) == ("not_consecutive", None)
    assert result.message == (
        "Enter two codes in a row: after typing the first, wait for the next one and type it at once."
    )


@pytest.mark.parametrize("code2_step, minutes, direction", [
    (N + 2, 1, "ahead"),
    (N - 2, 1, "behind"),
    (N + 10, 5, "ahead"),
    (N - 14, 7, "behind"),
    (N + 2 * 37, 37, "ahead"),
    (N - 2 * 600, 600, "behind"),
    (N + 2 * 1440, 1440, "ahead"),
])
def test_clock_drift(code2_step, minutes, direction):
    result = diagnose(code(code2_step - 1), code(code2_step))
    assert (result.ok, result.kind, result.field) == (False, "clock_drift", None)
    assert result.problem == Problem("mfa.clock_off", {"minutes": minutes, "direction": direction})
    assert f"about {minutes} minute" in result.message
    assert direction in result.message
    assert "automatic date & time" in result.message


def test_small_delay_behind_mentions_typing_slowly():
    assert "a while ago" in diagnose(code(N - 5), code(N - 4)).message
    assert "a while ago" not in diagnose(code(N + 3), code(N + 4)).message


def test_whole_hours_suggest_time_zone():
    result = diagnose(code(N + 119), code(N + 120))
    assert "about 60 minutes" in result.message and "time zone" in result.message
    result = diagnose(code(N - 481), code(N - 480))
    assert "about 240 minutes (4 hours) behind" in result.message
    assert "time zone" not in diagnose(code(N + 59), code(N + 60)).message


def test_drift_beyond_search_is_invalid():
    assert diagnose(code(N + 2 * 61), code(N + 2 * 61 + 1), drift_search_minutes=60).kind == "invalid"
    assert diagnose(code(N + 2 * 59), code(N + 2 * 59 + 1), drift_search_minutes=60).kind == "clock_drift"


def _unused_code() -> str:
    """A code that no step within a day of NOW produces."""
    used = {code(s) for s in range(N - 2900, N + 2900)}
    return next(c for c in (f"{i:06d}" for i in range(123456, 10**6)) if c not in used)


def test_invalid_both_codes():
    wrong1 = _unused_code()
    wrong2 = f"{(int(wrong1) + 1) % 10**6:06d}"
    result = diagnose(wrong1, wrong2, device_name="alice-phone")
    assert (result.ok, result.kind, result.field) == (False, "invalid", None)
    assert '"alice-phone"' in result.message
    assert "entry you just added" in diagnose(wrong1, wrong2).message


def test_invalid_blames_the_wrong_field():
    wrong = _unused_code()
    assert diagnose(code(N - 1), wrong).field == "code2"
    assert diagnose(wrong, code(N)).field == "code1"
    assert diagnose(wrong, code(N)).kind == "invalid"


def test_leading_zero_codes():
    step = next(s for s in range(N - 2000, N + 2000) if code(s).startswith("0"))
    assert diagnose_codes(SEED, code(step - 1), code(step), now=step * 30 + 5).ok


def test_fast_enough_for_full_drift_search():
    wrong = _unused_code()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        assert diagnose(wrong, code(N)).kind == "invalid"
        best = min(best, time.perf_counter() - start)
    # Generous for a shared machine: what matters is that the search stays well inside a click.
    assert best < 0.2


def test_clean_code():
    assert clean_code(" 123 456\n") == "123456"


def test_non_ascii_digits_are_not_a_code():
    result = diagnose("١٢٣٤٥٦", code(N))  # Arabic-Indic digits
    assert (result.kind, result.field) == ("not_six_digits", "code1")
    assert result.message == "Type MFA code 1 with the digits 0 to 9: AWS reads no other digits."
    result = diagnose(code(N - 1), "１２３４５６")  # full-width digits
    assert (result.kind, result.field) == ("not_six_digits", "code2")
    assert result.message == "Type MFA code 2 with the digits 0 to 9: AWS reads no other digits."


def test_long_digit_input_is_a_mistyped_code_not_the_secret_key():
    from iamwizard.core.totp import diagnose_codes

    seed = "JBSWY3DPEHPK3PXP"
    result = diagnose_codes(seed, "23456723", "123456", now=1_700_000_000)
    assert result.kind == "not_six_digits" and "secret key" not in result.message and "8" in result.message


# --- the one code of a sign-in ---------------------------------------------------------------

def test_sign_in_code_accepted_once_in_its_window():
    from iamwizard.core.totp import diagnose_code

    seed = pyotp.random_base32()
    now = 1_700_000_000
    code = pyotp.TOTP(seed).at(now)
    verdict = diagnose_code(seed, code, now=now)
    assert verdict.ok and verdict.step == now // 30
    again = diagnose_code(seed, code, now=now + 5, used_steps=[verdict.step])
    assert (again.ok, again.kind, again.problem.kind, again.field) == (False, "reused", "mfa.code_reused", "mfa_code")
    # The window before and after now count; further away is a clock that is off.
    assert diagnose_code(seed, pyotp.TOTP(seed).at(now - 30), now=now).ok
    assert diagnose_code(seed, pyotp.TOTP(seed).at(now + 30), now=now).ok
    late = diagnose_code(seed, pyotp.TOTP(seed).at(now - 7 * 60), now=now)
    assert late.problem.kind == "mfa.clock_off" and late.problem.params == {"minutes": 7, "direction": "behind"}


def test_sign_in_code_format_and_wrong_codes():
    from iamwizard.core.totp import diagnose_code

    seed = pyotp.random_base32()
    now = 1_700_000_000
    assert diagnose_code(seed, "", now=now).problem.kind == "mfa.code_empty"
    assert diagnose_code(seed, "12345", now=now).problem.params == {"code": 0, "digits": 5}
    assert "MFA code must have 6 digits" in diagnose_code(seed, "12345", now=now).message
    assert diagnose_code(seed, seed[:16], now=now).problem.kind == "mfa.secret_pasted"
    totp = pyotp.TOTP(seed)
    day = {totp.at(now + 30 * k) for k in range(-2881, 2882)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in day)
    assert diagnose_code(seed, wrong, now=now).problem.kind == "mfa.sign_in_invalid"
