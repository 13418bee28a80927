"""Name and tag rules of IAM, checked before calling AWS.

botocore only checks required fields and minimum lengths, and the sandbox
(moto) accepts nearly anything, so the wizard validates names itself and
explains problems in plain words instead of showing a ValidationError.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from .problems import Problem

# AWS's pattern is [\w+=,.@-]+ where \w means ASCII only: "José" is refused.
_IAM_NAME_CHARS = re.compile(r"[\w+=,.@-]", re.ASCII)

MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
_TAG_SYMBOLS = set("_.:/=+-@")
_SHOWN_CHARS = 30  # long keys are cut in messages so they stay readable
_NAME_MAX = {"user_name": 64, "group_name": 128, "device_name": 226}


def iam_name_check(name: str, what: str) -> Problem | None:
    """None if AWS accepts `name` as a `what` ("user_name", "group_name", "device_name"), else the
    problem: one, the most useful first. Refused characters travel in `typed` only."""
    if not name:
        return Problem("name.empty", {"name": what})
    bad = _unique(ch for ch in name if not _IAM_NAME_CHARS.fullmatch(ch))
    if bad:
        return Problem("name.bad_chars", {"name": what}, typed={"chars": " ".join(ch for ch in bad if not ch.isspace())})
    if len(name) > _NAME_MAX[what]:
        return Problem("name.too_long", {"name": what, "max": _NAME_MAX[what], "length": len(name)})
    return None


def _text(problem: Problem | None) -> str | None:
    """In words: the active language's, from the web edge (core.problems.use_words)."""
    return problem.text if problem else None


def user_name_problem(name: str) -> str | None:
    """None if AWS accepts `name` as a user name (1–64 chars), else why not."""
    return _text(iam_name_check(name, "user_name"))


def group_name_problem(name: str) -> str | None:
    """None if AWS accepts `name` as a group name (1–128 chars), else why not."""
    return _text(iam_name_check(name, "group_name"))


def mfa_device_name_problem(name: str) -> str | None:
    """None if AWS accepts `name` as a virtual MFA device name (1–226 chars)."""
    return _text(iam_name_check(name, "device_name"))


def name_key(name: str | None) -> str:
    """A name as IAM compares it: ignoring case ("Alice" and "alice" are the same user).

    The one fold used everywhere names are compared: the wizard's steps, the consistency
    rules and the sandbox's emulation of IAM.
    """
    return (name or "").casefold()


def same_name(a: str | None, b: str | None) -> bool:
    """True when IAM would take `a` and `b` for the same name."""
    return name_key(a) == name_key(b)


def same_name_ignoring_case(name: str, existing: Iterable[str]) -> str | None:
    """The existing name that clashes with `name`, or None.

    IAM names are unique ignoring case ("Alice" blocks "alice"), which moto
    does not enforce, so the wizard (and the sandbox) check it.
    """
    folded = name_key(name)
    for other in existing:
        if name_key(other) == folded:
            return other
    return None


def _tag_char_ok(ch: str) -> bool:
    """AWS's tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]: letters, separators, numbers."""
    return unicodedata.category(ch)[0] in "LZN" or ch in _TAG_SYMBOLS


def _shown(text: str) -> str:
    """A tag key as it appears in messages: cut when long."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "…"
    return text


def _char_names(chars: list[str]) -> list[str]:
    """Characters people cannot see (tab, line break) by name ("tab", "line break": the words
    are the edge's), the others as they are."""
    names = {"\t": "tab", "\n": "line break", "\r": "line break"}
    return _unique(names.get(ch, ch) for ch in chars)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _one_tag_breaks(number: int, key: str, value: str) -> list[Problem]:
    """Problems of a single tag; `number` (1-based) names it when the key is empty. The key travels
    in `typed` (it is the person's own input)."""
    tag = {"key": _shown(key)} if key else {"number": number}
    problems = []
    if not key:
        problems.append(Problem("tag.no_key", typed=tag))
    if len(key) > MAX_TAG_KEY:
        problems.append(Problem("tag.key_too_long", {"max": MAX_TAG_KEY, "length": len(key)}, typed=tag))
    if len(value) > MAX_TAG_VALUE:
        problems.append(Problem("tag.value_too_long", {"max": MAX_TAG_VALUE, "length": len(value)}, typed=tag))
    for part, text in (("key", key), ("value", value)):
        bad = [ch for ch in text if not _tag_char_ok(ch)]
        if bad:
            problems.append(Problem("tag.bad_chars", {"part": part}, typed={**tag, "chars": _char_names(bad)}))
    if key.lower().startswith("aws:"):
        problems.append(Problem("tag.reserved", typed=tag))
    return problems


def tag_breaks(tags: list[tuple[str, str]]) -> list[Problem]:
    """Every broken IAM tag rule, one problem each; [] when all is fine."""
    problems = []
    if len(tags) > MAX_TAGS:
        problems.append(Problem("tag.too_many", {"max": MAX_TAGS, "count": len(tags)}))
    first_keys: dict[str, str] = {}
    for number, (key, value) in enumerate(tags, start=1):
        problems.extend(_one_tag_breaks(number, key, value))
        if not key:
            continue
        first = first_keys.get(key.lower())
        if first is None:
            first_keys[key.lower()] = key
        else:
            problems.append(Problem("tag.duplicate", typed={"first": _shown(first), "key": _shown(key)}))
    return problems


def tag_problems(tags: list[tuple[str, str]]) -> list[str]:
    """tag_breaks() in words (the active language's, from the web edge)."""
    return [problem.text for problem in tag_breaks(tags)]
