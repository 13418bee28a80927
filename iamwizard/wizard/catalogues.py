"""The translation catalogues (locale/<lang>/LC_MESSAGES/django.po), read and compiled in pure Python.

Django reads compiled catalogues (.mo). GNU gettext's `msgfmt` makes them, but a fresh machine
may not have it, and the README promises that `python3 dev.py serve` / `test` do everything: so
`manage.py compile_catalogues` (run by dev.py and deploy/run.sh) compiles every .po with this
module, as Python's own Tools/i18n/msgfmt.py does. The tests read the .po files with it too: no
message untranslated or fuzzy, placeholders the same as the English.
"""
from __future__ import annotations

import ast
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgstr: list[str]                # one form, or one per plural form
    msgid_plural: str | None = None
    msgctxt: str | None = None
    flags: set = field(default_factory=set)
    obsolete: bool = False

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a C-style quoted string, as Python reads it


def parse_po(path: Path | str) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first. Obsolete (#~) entries are marked."""
    entries, current, key = [], None, None
    flags, obsolete = set(), False

    def finish():
        nonlocal current
        if current is not None and "msgid" in current:
            forms = [current[k] for k in sorted(k for k in current if k.startswith("msgstr"))]
            entries.append(Entry(current["msgid"], forms, current.get("msgid_plural"), current.get("msgctxt"), set(flags), obsolete))
        current = None

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        is_obsolete = line.startswith("#~")
        if is_obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            flags, obsolete = set(), False
            continue
        if line.startswith("#,"):
            if current is not None and "msgid" in current and any(k.startswith("msgstr") for k in current):
                finish()
                flags = set()
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            name, text = match.groups()
            if name in ("msgctxt", "msgid") and current is not None and any(k.startswith("msgstr") for k in current):
                finish()
                flags = set()
            if current is None:
                current = {}
            obsolete = obsolete or is_obsolete
            key = "msgstr[0]" if name == "msgstr" else name
            current[key] = _unquote(text)
        elif line.startswith('"') and current is not None and key:
            current[key] += _unquote(line)
    finish()
    return entries


def write_mo(entries: list[Entry], path: Path | str) -> None:
    """A GNU .mo file of the translated, non-fuzzy entries (the header always), as msgfmt writes it."""
    messages = {}
    for entry in entries:
        if entry.obsolete or (entry.msgid and (entry.fuzzy or not entry.translated)):
            continue
        key = entry.msgid if entry.msgid_plural is None else entry.msgid + "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        messages[key] = "\0".join(entry.msgstr)
    keys = sorted(messages)
    ids = b"".join(k.encode("utf-8") + b"\0" for k in keys)
    strs = b"".join(messages[k].encode("utf-8") + b"\0" for k in keys)
    offsets, id_at, str_at = [], 0, 0
    for k in keys:
        kid, kstr = k.encode("utf-8"), messages[k].encode("utf-8")
        offsets.append((len(kid), id_at, len(kstr), str_at))
        id_at += len(kid) + 1
        str_at += len(kstr) + 1
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + len(keys) * 8
    ids_start = strs_table + len(keys) * 8
    strs_start = ids_start + len(ids)
    out = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("ii", length, ids_start + at) for length, at, _l, _a in offsets)
    out += b"".join(struct.pack("ii", length, strs_start + at) for _l, _a, length, at in offsets)
    Path(path).write_bytes(out + ids + strs)


def catalogues(locale_dir: Path | str) -> list[Path]:
    return sorted(Path(locale_dir).glob("*/LC_MESSAGES/django.po"))


def compile_all(locale_dir: Path | str, force: bool = False) -> list[Path]:
    """Compile every catalogue whose .mo is missing or older than its .po; returns those written."""
    written = []
    for po in catalogues(locale_dir):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            write_mo(parse_po(po), mo)
            written.append(mo)
    return written


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}|%[sd]")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted: %(name)s, {name} and bare %s."""
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", "")))
