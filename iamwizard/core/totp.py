"""Virtual MFA helpers: the otpauth link, the QR code and diagnosis of codes.

EnableMFADevice only answers "InvalidAuthenticationCode", so the wizard checks
the two codes itself against the seed and tells newcomers *why* they fail (order,
gap, phone clock, wrong entry), searching the codes of neighbouring 30 s steps.
The codes themselves are pyotp's; the sandbox checks codes with the same `Codes`.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import quote

import pyotp
import qrcode

from .digits import has_foreign_digits
from .problems import Problem

STEP_SECONDS = 30
DIGITS = 6
QR_LABEL = "QR code for your authenticator app"
# How far from now (in 30 s steps) two codes still count as "typed just now"
# when telling a reversed or gapped pair from a wrong one: 5 minutes each side.
NEARBY_STEPS = 10


def _normalize_seed(seed: str) -> str:
    """Seed without spaces or base32 padding; authenticator apps dislike '='."""
    return re.sub(r"\s+", "", seed).upper().rstrip("=")


def otpauth_uri(
    seed_b32: str, device_name: str, account_label: str, issuer: str = "Amazon Web Services"
) -> str:
    """The link inside AWS's QR code, with the issuer apps show as the entry title."""
    label = quote(issuer, safe="") + ":" + quote(f"{device_name}@{account_label}", safe="@")
    secret = quote(_normalize_seed(seed_b32), safe="")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer, safe='')}"


def group_secret(seed: str) -> str:
    """The secret key in groups of four ("ABCD EFGH ..."), easier to type by hand."""
    clean = _normalize_seed(seed)
    return " ".join(clean[i : i + 4] for i in range(0, len(clean), 4))


def _dark_runs(row: list[bool]):
    """(start, length) of each run of dark modules in a row."""
    x = 0
    while x < len(row):
        if row[x]:
            start = x
            while x < len(row) and row[x]:
                x += 1
            yield start, x - start
        else:
            x += 1


def _runs_path(matrix: list[list[bool]]) -> str:
    """The dark runs as one stroked path: a line 1 module wide through the middle of each row
    ("h" for a run, a relative "m" to the next), each move written absolute or relative, whichever is
    shorter. About half the bytes of a filled rectangle per run."""
    parts, at = [], None
    for y, row in enumerate(matrix):
        for x, n in _dark_runs(row):
            absolute = f"M{x} {y}.5"
            if at is not None:
                dx, dy = x - at[0], y - at[1]
                relative = f"m{dx} {dy}"
                absolute = relative if len(relative) <= len(absolute) else absolute
            parts.append(f"{absolute}h{n}")
            at = (x + n, y)
    return "".join(parts)


# Any of the 8 mask patterns makes a valid code that every reader decodes; letting the library
# try all 8 and score them costs 8 renderings (most of the time of drawing the code).
QR_MASK = 0


def qr_svg(data: str, label: str = QR_LABEL) -> str:
    """An inline SVG QR code of `data`, with no style attributes (the CSP forbids them).

    The 4-module quiet zone is included and only a viewBox is set, so CSS decides
    the size; black on an explicit white background scans in dark mode too. `label` names it for
    screen readers (the caller passes it in the page's language). The dark modules are one
    `<path>` stroked 1 module wide with butt ends, row by row (`_runs_path`): with crisp edges each
    run covers exactly its modules, as a filled rectangle per run did, in half the bytes.
    """
    label = label.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=QR_MASK)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{label}" shape-rendering="crispEdges">'
        f"<title>{label}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="none" stroke="#000" d="{_runs_path(matrix)}"/>'
        "</svg>"
    )


@dataclass
class CodeDiagnosis:
    """Verdict on two MFA codes; `field` ("code1", "code2" or None) is where to show the message.

    `kind` is the verdict the wizard acts on; `problem` says precisely what is wrong (kind and
    parameters, e.g. mfa.clock_off with the minutes), and gives the words."""

    ok: bool
    kind: str
    problem: Problem
    field: str | None
    step: int | None = None  # for an accepted sign-in code: its 30 s step (AWS accepts it once)

    @property
    def message(self) -> str:
        return self.problem.text


def clean_code(code: str) -> str:
    """The code without spaces ("123 456" as some apps show it); send this to AWS."""
    return re.sub(r"\s+", "", code)


class _Totp(pyotp.TOTP):
    """pyotp's RFC 6238 generator (HMAC-SHA1, 6 digits, 30 s), the codes AWS and the apps compute.

    pyotp decodes the base32 seed again for every code; a diagnosis computes up to 5,762 codes
    (a day each side), so the seed is decoded (and checked by pyotp) once.
    """

    _key: bytes | None = None

    def __init__(self, seed_b32: str):
        super().__init__(_normalize_seed(seed_b32), digits=DIGITS, interval=STEP_SECONDS)

    def byte_secret(self) -> bytes:
        if self._key is None:
            self._key = super().byte_secret()
        return self._key


class Codes:
    """The codes of the 30 s steps first..last of one seed, to find where typed codes belong.

    A diagnosis searches neighbouring steps (up to a day each side for a phone whose clock is
    off), so the codes are computed once per search with pyotp: `generate_otp(step)` is what
    `TOTP.at(step * 30)` computes, without turning the step back into a time.
    """

    def __init__(self, seed_b32: str, first: int, last: int):
        totp = _Totp(seed_b32)
        self.first = first
        self.codes = [totp.generate_otp(step) for step in range(first, last + 1)]

    def steps_of(self, code: str) -> list[int]:
        return [self.first + i for i, value in enumerate(self.codes) if value == code]

    def consecutive(self, code1: str, code2: str) -> list[int]:
        """Steps t where code1 is the code of t and code2 the code of t + 1, earliest first."""
        codes = self.codes
        return [
            self.first + i
            for i in range(len(codes) - 1)
            if codes[i] == code1 and codes[i + 1] == code2
        ]


def _format_problem(code: str, field: str, seed: str) -> CodeDiagnosis | None:
    """A not_six_digits diagnosis for one field, or None if it is six digits."""
    number = {"code1": 1, "code2": 2}.get(field, 0)  # 0: the one code of a sign-in
    if re.fullmatch(r"[0-9]{6}", code):  # not \d: AWS wants ASCII digits
        return None
    if not code:
        problem = Problem("mfa.code_empty", {"code": number})
    elif has_foreign_digits(code):
        problem = Problem("mfa.code_foreign_digits", {"code": number})
    elif _looks_like_secret(code, seed):
        problem = Problem("mfa.secret_pasted", {"code": number})
    elif re.fullmatch(r"[0-9]+", code):
        problem = Problem("mfa.code_length", {"code": number, "digits": len(code)})
    else:
        problem = Problem("mfa.code_not_digits", {"code": number})
    return CodeDiagnosis(False, "not_six_digits", problem, field)


def _looks_like_secret(code: str, seed: str) -> bool:
    """True for pasted seeds: the seed itself, part of it, or a long run of base32."""
    upper = code.upper()
    return (
        len(upper) >= 8
        and not upper.isdigit()  # all digits is a mistyped code, even when they happen to be base32
        and (upper in _normalize_seed(seed) or re.fullmatch(r"[A-Z2-7=]+", upper) is not None)
    )


def _drift_diagnosis(code2_step: int, now_step: int) -> CodeDiagnosis:
    """The phone's clock is off: code 2 (typed just now) belongs to another time."""
    offset_seconds = (code2_step - now_step) * STEP_SECONDS
    minutes = max(1, round(abs(offset_seconds) / 60))
    direction = "ahead" if offset_seconds > 0 else "behind"
    return CodeDiagnosis(False, "clock_drift", Problem("mfa.clock_off", {"minutes": minutes, "direction": direction}), None)


def _invalid(matches1: bool, matches2: bool, device_name: str | None) -> CodeDiagnosis:
    """No usable pair; blame the single wrong field if the other one matched."""
    if matches1 and not matches2:
        return CodeDiagnosis(False, "invalid", Problem("mfa.invalid", {"wrong": 2}), "code2")
    if matches2 and not matches1:
        return CodeDiagnosis(False, "invalid", Problem("mfa.invalid", {"wrong": 1}), "code1")
    return CodeDiagnosis(False, "invalid", Problem("mfa.invalid", typed={"device_name": device_name or ""}), None)


def diagnose_codes(
    seed_b32: str,
    code1: str,
    code2: str,
    *,
    now: float | None = None,
    valid_window: int = 1,
    drift_search_minutes: int = 24 * 60,
    device_name: str | None = None,
) -> CodeDiagnosis:
    """Check two MFA codes the way EnableMFADevice will, and explain any failure.

    Accepted ("ok"): code1 is the code of step t and code2 of step t + 1, where
    code2's step is within `valid_window` steps of now (so with the default 1,
    code2 may be from the previous, current or next 30 s window; code1 is the
    one before it). Checks, in order: not_six_digits, same_code_twice, ok,
    reversed, not_consecutive (both within NEARBY_STEPS of now), clock_drift
    (a consecutive pair up to `drift_search_minutes` away), invalid.
    """
    code1, code2 = clean_code(code1), clean_code(code2)
    for code, field in ((code1, "code1"), (code2, "code2")):
        problem = _format_problem(code, field, seed_b32)
        if problem:
            return problem
    if code1 == code2:
        return CodeDiagnosis(False, "same_code_twice", Problem("mfa.same_code_twice"), "code2")
    now_step = int((time.time() if now is None else now) // STEP_SECONDS)
    reach = NEARBY_STEPS + valid_window + 1
    near = Codes(seed_b32, now_step - reach, now_step + reach)
    pairs = near.consecutive(code1, code2)
    if any(abs(t + 1 - now_step) <= valid_window for t in pairs):
        return CodeDiagnosis(True, "ok", Problem("mfa.ok"), None)
    steps1 = [s for s in near.steps_of(code1) if abs(s - now_step) <= NEARBY_STEPS]
    steps2 = [s for s in near.steps_of(code2) if abs(s - now_step) <= NEARBY_STEPS]
    if steps1 and steps2 and min(steps1) > max(steps2):
        return CodeDiagnosis(False, "reversed", Problem("mfa.reversed"), None)
    if steps1 and steps2 and not pairs:
        return CodeDiagnosis(False, "not_consecutive", Problem("mfa.not_consecutive"), None)
    reach = max(reach, drift_search_minutes * 60 // STEP_SECONDS)
    pairs = Codes(seed_b32, now_step - reach - 1, now_step + reach).consecutive(code1, code2)
    if pairs:
        closest = min(pairs, key=lambda t: abs(t + 1 - now_step))
        return _drift_diagnosis(closest + 1, now_step)
    return _invalid(bool(steps1), bool(steps2), device_name)


def diagnose_code(
    seed_b32: str,
    code: str,
    *,
    now: float | None = None,
    used_steps=(),
    valid_window: int = 1,
    drift_search_minutes: int = 24 * 60,
) -> CodeDiagnosis:
    """Check the one MFA code of a sign-in, as the console does after the password, and explain
    a failure with the enrolment's words.

    Accepted ("ok", with its `step`): the code of a step within `valid_window` steps of now that
    is not in `used_steps` (a code AWS accepted once, at sign-in or when the device was enabled,
    is refused for the rest of its window). Otherwise: not_six_digits, reused, clock_drift (the
    code of a step up to `drift_search_minutes` away), invalid.
    """
    code = clean_code(code)
    problem = _format_problem(code, "mfa_code", seed_b32)
    if problem:
        return problem
    now_step = int((time.time() if now is None else now) // STEP_SECONDS)
    used = set(used_steps)
    near = Codes(seed_b32, now_step - valid_window, now_step + valid_window).steps_of(code)
    fresh = [step for step in near if step not in used]
    if fresh:
        return CodeDiagnosis(True, "ok", Problem("mfa.ok"), None, step=fresh[0])
    if near:
        return CodeDiagnosis(False, "reused", Problem("mfa.code_reused"), "mfa_code")
    reach = drift_search_minutes * 60 // STEP_SECONDS
    steps = Codes(seed_b32, now_step - reach, now_step + reach).steps_of(code)
    if steps:
        return _drift_diagnosis(min(steps, key=lambda s: abs(s - now_step)), now_step)
    return CodeDiagnosis(False, "invalid", Problem("mfa.sign_in_invalid"), "mfa_code")
