"""Stylesheets and scripts as served: the same rules and statements without comments and layout.

The files in static/ stay commented and readable; production's collectstatic stores them through
this (iamwizard/staticstorage.py), so a phone on classroom Wi-Fi does not download the comments on
every page. Both are deliberately conservative (no renaming, no rewriting of values), so what is
served means exactly what the source says.
"""
import re

# Quoted strings are kept byte for byte; comments are dropped; the rest is minified.
_CSS_PARTS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(/\*.*?\*/)""", re.S)


def _css_code(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ?([{};,>]) ?", r"\1", text)  # no space is needed around these
    return re.sub(r": ", ":", text)  # after a colon only: "main :focus" is not "main:focus"


def minify_css(css: str) -> str:
    """CSS without comments, line breaks and the spaces around { } ; , > and after a colon, and
    without the last semicolon of a block. Strings (content: ": ") are untouched."""
    pieces, code = [], []  # strings as they are, between them the code with comments turned to spaces
    at = 0
    for match in _CSS_PARTS.finditer(css):
        code.append(css[at : match.start()])
        if match.group(1):
            pieces.append(_css_code("".join(code)))
            pieces.append(match.group(1))
            code = []
        else:
            code.append(" ")  # a comment separates like a space
        at = match.end()
    code.append(css[at:])
    pieces.append(_css_code("".join(code)))
    return "".join(pieces).replace(";}", "}").strip()


def minify_js(js: str) -> str:
    """A script without indentation, blank lines and lines that are only a // comment; line breaks
    stay where they were, so automatic semicolon insertion reads it as before. A script with a
    template literal (which may span lines) is left as it is."""
    if "`" in js:
        return js
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"
