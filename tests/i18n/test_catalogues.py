"""The committed catalogues are complete and sound: every message translated, none fuzzy, the same
placeholders as the English (a translation that drops or renames %(user)s would crash or mislead), the
plural forms the language has; the compiled .mo says what the .po says; and no message marked in the
code or templates is missing from them (Django's makemessages, run on a copy of the sources)."""
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iamwizard.wizard.catalogues import catalogues, parse_po, placeholders, write_mo

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = {"es": 2, "ja": 1}  # language -> number of plural forms
# Where the translation may equal the English: words the console itself keeps.
SAME_AS_ENGLISH = {"MFA", "AWS CLI:", "%(ms)s ms", "%(label)s: %(code)s", "%(label)s: %(field)s", "no", "Error:",
                   "%(label)s %(seconds)s s", "%(seconds)s s", "%(minutes)s min", "%(hours)s h %(minutes)s min", "“%(step)s”",
                   "%(minutes)s %(seconds)s"}


def _entries(language):
    return [e for e in parse_po(LOCALE / language / "LC_MESSAGES" / "django.po") if e.msgid and not e.obsolete]


def test_both_languages_have_a_catalogue():
    assert sorted(p.parts[-3] for p in catalogues(LOCALE)) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = _entries(language)
    assert len(entries) > 800
    assert not [e.msgid for e in entries if e.fuzzy], "fuzzy"
    assert not [e.msgid for e in entries if not e.translated], "untranslated"
    same = [e.msgid for e in entries if e.msgid_plural is None and e.msgstr[0] == e.msgid and e.msgid not in SAME_AS_ENGLISH]
    assert not same, f"left in English: {same}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_placeholders_and_plural_forms_match_the_english(language):
    wrong = []
    for entry in _entries(language):
        if entry.msgid_plural is None:
            if placeholders(entry.msgstr[0]) != placeholders(entry.msgid):
                wrong.append((entry.msgid, entry.msgstr[0]))
            continue
        if len(entry.msgstr) != LANGUAGES[language]:
            wrong.append((entry.msgid, f"{len(entry.msgstr)} plural forms"))
        allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
        for form in entry.msgstr:
            if not set(placeholders(form)) <= allowed:
                wrong.append((entry.msgid, form))
        # The last form (the only one in Japanese) says everything the English plural says.
        if placeholders(entry.msgstr[-1]) != placeholders(entry.msgid_plural):
            wrong.append((entry.msgid_plural, entry.msgstr[-1]))
    assert not wrong, wrong


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_html_in_a_message_is_kept_tag_for_tag(language):
    tags = re.compile(r"</?(?:a|code|strong|em|span|time)\b")
    wrong = [(e.msgid, form) for e in _entries(language) for form in e.msgstr
             if sorted(tags.findall(form)) != sorted(tags.findall(e.msgid_plural or e.msgid))]
    assert not wrong, wrong


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_compiled_catalogue_says_what_the_po_says(language, tmp_path):
    """Our pure-Python compiler (dev.py's, no msgfmt needed) read back by Python's own gettext."""
    entries = _entries(language)
    mo = tmp_path / "django.mo"
    write_mo(parse_po(LOCALE / language / "LC_MESSAGES" / "django.po"), mo)
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in entries:
        if entry.msgctxt is not None:
            assert catalogue.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0]
        elif entry.msgid_plural is None:
            assert catalogue.gettext(entry.msgid) == entry.msgstr[0], entry.msgid
        else:
            for n, form in ((1, entry.msgstr[0]), (5, entry.msgstr[-1])):
                assert catalogue.ngettext(entry.msgid, entry.msgid_plural, n) == form
    if shutil.which("msgfmt"):  # and GNU msgfmt, where present, compiles the same catalogue to the same table
        gnu = tmp_path / "gnu.mo"
        subprocess.run(["msgfmt", "--check", "-o", str(gnu), str(LOCALE / language / "LC_MESSAGES" / "django.po")], check=True)
        with gnu.open("rb") as handle:
            assert gettext.GNUTranslations(handle)._catalog == catalogue._catalog


def test_no_marked_message_is_missing_from_the_catalogues(tmp_path):
    """makemessages on a copy of the sources: every msgid it finds is in both committed catalogues."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext's xgettext is not installed (apt-get install gettext): makemessages needs it")
    for name in ("iamwizard", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "es", "--no-location", "--no-wrap"], cwd=tmp_path, check=True,
                   capture_output=True, env={"PATH": "/usr/bin:/bin", "IAMWIZARD_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(tmp_path)})
    found = {(e.msgctxt, e.msgid) for e in parse_po(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po") if e.msgid}
    assert len(found) > 800
    for language in LANGUAGES:
        committed = {(e.msgctxt, e.msgid) for e in _entries(language)}
        assert not sorted(found - committed, key=str), f"marked but missing from {language}: {sorted(found - committed, key=str)}"
        assert not sorted(committed - found, key=str), f"in {language} but no longer marked: {sorted(committed - found, key=str)}"
