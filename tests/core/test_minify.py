"""The stylesheets and scripts as production serves them (iamwizard/core/minify.py)."""
from pathlib import Path

from iamwizard.core.minify import minify_css, minify_js

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_css_loses_comments_and_layout_not_meaning():
    css = '/* note */\nmain :focus-visible, .a > b {\n  content: ": ";\n  color: red;\n}\n@media (max-width: 30rem) { .x { font: 1rem/1.5 a, "B C"; } }\n'
    assert minify_css(css) == 'main :focus-visible,.a>b{content:": ";color:red}@media (max-width:30rem){.x{font:1rem/1.5 a,"B C"}}'


def test_every_stylesheet_is_smaller_and_minifies_to_itself():
    for path in STATIC.glob("css/*.css"):
        source = path.read_text()
        small = minify_css(source)
        assert len(small) < len(source) and minify_css(small) == small, path
        assert "/*" not in small, path


def test_js_keeps_its_lines_and_drops_comment_lines():
    js = '// why\nvar a = 1;  // kept\n\n    if (a) {\n      b("http://x");\n    }\n'
    assert minify_js(js) == 'var a = 1;  // kept\nif (a) {\nb("http://x");\n}\n'
    assert minify_js("var s = `a\n  // b`;\n") == "var s = `a\n  // b`;\n"  # a template literal: as it is


def test_every_script_keeps_every_statement():
    for path in STATIC.glob("js/*.js"):
        source = path.read_text()
        code = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("//")]
        assert minify_js(source).splitlines() == code, path
