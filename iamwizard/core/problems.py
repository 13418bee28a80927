"""What a check found wrong, as a kind plus parameters, and its words: the only place they live.

A check (password policy, IAM name rules, MFA codes, a workshop rule...) answers with a
`Problem`: a stable `kind` ("password.too_short") and `params` ({"min": 14}) that are safe to
keep, and `typed`, the bits of the person's own input a message may echo back to them
(a character they may not use, the user name that already exists), which are never kept.

Code decides on kinds, never on words. The words live at the web edge, in the active language
(`iamwizard/wizard/words.py`, through Django's gettext), which registers itself here with
`use_words()` when the app starts: then `message()` gives the words the person who typed sees;
`label()` the short words a trainer reads on a dashboard; `kind_label()` the words for a whole
kind ("Phone clock off") when a room's problems are counted together. Without it (this core
used alone), they answer with the kind and its parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    kind: str
    params: dict = field(default_factory=dict)  # recordable: never anything typed
    typed: dict = field(default_factory=dict, compare=False)  # shown back to the person only

    @property
    def text(self) -> str:
        return message(self)

    def __str__(self) -> str:
        return self.text


# --- the words, from the edge -------------------------------------------------------------------

_words = None


def use_words(words) -> None:
    """Register the module that turns kinds into words (`message`, `label`, `kind_label`,
    `aws_message`); the web app does so when it starts."""
    global _words
    _words = words


def _raw(kind: str, params: dict) -> str:
    return f"{kind} {params}" if params else kind


def message(problem: Problem) -> str:
    """The words for the person who typed, in the active language."""
    return _words.message(problem) if _words else _raw(problem.kind, problem.params)


def kind_label(kind: str) -> str:
    """A whole kind in a trainer's words: "Phone clock off"."""
    return _words.kind_label(kind) if _words else kind


def label(kind: str, params: dict, field: str = "") -> str:
    """One recorded problem in a trainer's words, with its parameters: "Phone clock off by 4 minutes (ahead)"."""
    return _words.label(kind, params, field) if _words else _raw(kind, params or {})


def aws_message(problem) -> str:
    """An AWS error (core.errors.AwsProblem) in words."""
    return _words.aws_message(problem) if _words else _raw(problem.kind, problem.params)
