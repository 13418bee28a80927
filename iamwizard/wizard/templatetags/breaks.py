"""`soft_breaks`: where a long unbroken value (an ARN, a URL, an API name) may wrap on a narrow screen.

`{{ value|soft_breaks }}` (after `{% load breaks %}`) escapes the value first, then adds <wbr> (a line
break opportunity, invisible otherwise and not copied) after a run of ':' or '/', and before an
inner capital of a CamelCase word:

    arn:aws:iam::123456789012:mfa/erin  ->  arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>mfa/<wbr>erin
    ListAttachedUserPolicies            ->  List<wbr>Attached<wbr>User<wbr>Policies

so that "ListAttachedUserPolicies" wraps as "ListAttached / UserPolicies", never "ListAttachedUserPol / icies".
Only in long runs (LONG characters or more without a space or hyphen, where a browser may break
already): a short word never needs it, and stays as it is. Not between digits (a time, 01:39; a date, 02/12/2026), nor at the very end. What it returns is
safe because only <wbr> is added to escaped text, and only to its words: never inside a character
reference (&amp;) nor, for a value already marked safe, inside a tag.

`cli_breaks`: an AWS CLI line wraps at its spaces (so before each --option), never inside a short
word: a browser would also break after a hyphen ("--user-" / "name", "create-virtual-" / "mfa-device"),
so each word of up to NOWRAP characters is kept whole (<span class="nowrap">), and a longer one (an
ARN, a JSON document's piece) gets soft_breaks' <wbr>. Spans and <wbr> change no text: what Copy
copies (the element's textContent) and what a test reads stay the command itself.
"""
import re
from html import escape  # the same five characters as Django's escape(), without its lazy-string wrapping (a page draws many words)

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

WBR = "<wbr>"
_SEPARATORS = re.compile(r"[:/]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
LONG = 16
_LONG_RUN = re.compile(r"[^\s\-]{%d,}" % LONG)
_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")  # tags and character references: left as they are


def _after_separators(match) -> str:
    text, start, end = match.string, match.start(), match.end()
    before, after = text[start - 1:start], text[end:end + 1]
    if not after or (before.isdigit() and after.isdigit()):
        return match.group()
    return match.group() + WBR


@register.filter
def soft_breaks(value) -> str:
    """The value, escaped (unless already safe), with <wbr> where it may wrap (see the module's doc)."""
    parts = _MARKUP.split(str(conditional_escape(value)))
    for i in range(0, len(parts), 2):  # the words between the markup
        parts[i] = _LONG_RUN.sub(lambda run: _SEPARATORS.sub(_after_separators, _CAMEL.sub(WBR, run.group())), parts[i])
    return mark_safe("".join(parts))


NOWRAP = 30  # characters: the longest option (--no-password-reset-required) and more, still narrower than a 320 px phone's line


@register.filter
def cli_breaks(value) -> str:
    """An AWS CLI line (plain text), escaped, whose short words never wrap inside and whose long ones wrap at
    soft_breaks' places. Plain string work (a page draws a dozen lines): html.escape per word, no format_html."""
    words = str(value).split(" ")
    for i, word in enumerate(words):
        if word:
            words[i] = '<span class="nowrap">' + escape(word) + "</span>" if len(word) <= NOWRAP else soft_breaks(word)
    return mark_safe(" ".join(words))
