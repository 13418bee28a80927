"""What AWS confirmed about a step (the "Confirmed by AWS" panel): kept as message ids plus data,
turned into words when a page shows them, in the language of whoever reads it.

A step's verify() returns facts, kept as JSON in the step's result ("verified"), one small dict each:

    as_is(gettext_noop("Account"), "123456789012")
        {"label": "Account", "value": "123456789012"}: the value is data (an ARN, a name, a
        time), shown as it is and never translated.
    said(gettext_noop("Console access"), gettext_noop("yes"))
        {"label": "Console access", "words": "yes"}: the value is words, translated when shown.
    said(gettext_noop("Group"), gettext_noop("%(group)s (new)"), group="devs")
        {"label": "Group", "words": "%(group)s (new)", "params": {"group": "devs"}}: words with
        data filled in after they are translated (the data itself is never translated).

Labels and words are the English message ids, marked with gettext_noop where they are written so
that makemessages finds them. Results kept before this (a run verified earlier) hold
(label, value) pairs already in words: those are shown as they are.
"""
from __future__ import annotations

from django.utils.translation import gettext


def as_is(label: str, value) -> dict:
    """A fact whose value is data: shown as it is, in every language."""
    return {"label": label, "value": str(value)}


def said(label: str, words: str, **params) -> dict:
    """A fact whose value is words (a message id), with the data to fill into them, if any."""
    fact = {"label": label, "words": words}
    if params:
        fact["params"] = params
    return fact


def _translated(msgid: str) -> str:
    return gettext(msgid) if msgid else ""  # gettext("") is the catalogue's header


def in_words(facts) -> list[tuple[str, str]]:
    """(label, value) pairs in the active language, for the page."""
    pairs = []
    for fact in facts or ():
        if not isinstance(fact, dict):  # kept before facts were message ids: already in words
            label, value = fact
            pairs.append((label, value))
            continue
        if "words" in fact:
            value = _translated(fact["words"])
            if fact.get("params"):
                value = value % fact["params"]
        else:
            value = fact.get("value", "")
        pairs.append((_translated(fact["label"]), value))
    return pairs
