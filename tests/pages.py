"""Reading the wizard's pages in tests: the one HTML helper, on the standard library's parser.

    page = Page(response)                      # or Page(html_text)
    page.text("signin-password")              # the text of the element with that id, unescaped
    page.by_id("mfa-codes").find_all("input")  # elements under it
    page.find("input", name="mode", checked=True).attrs["value"]
    page.text()                                # the whole page's words, tags gone, spaces folded

and, for the wizard's own markup:

    page.field_errors("user_name")            # ["..."]: the messages under a field (None: the form's own)
    page.checked("mode")                      # the value of the checked radio named "mode", or None
    page.definition("Root user MFA")          # the <dd> after <dt>Root user MFA</dt>, as text
    page.error_summary()                      # the error summary: text, links (text, #target), cleared note
    page.title                                # the <title>, as text
    page.links("mailto:")                     # the hrefs of its links that start so, unescaped
    page.by_id("mfa-codes").contains(code)    # in its text or in any attribute value under it

Looking up one id parses only that element (the walkers of the benchmark read a few values from
pages of 20-40 KB, on the cores that serve them); anything else parses the page once.
"""
import json
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def fold(text):
    """Spaces and line breaks folded to single spaces, the ends trimmed: text as a reader sees it."""
    return " ".join(text.split())


class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def raw_text(self):
        return "".join(child if isinstance(child, str) else child.raw_text for child in self.children)

    @property
    def text(self):
        return fold(self.raw_text)

    @property
    def elements(self):
        return [child for child in self.children if isinstance(child, Element)]

    def iter(self):
        for child in self.elements:
            yield child
            yield from child.iter()

    def matches(self, tag=None, **attrs):
        if tag and self.tag != tag:
            return False
        for name, wanted in attrs.items():
            name = name.rstrip("_").replace("_", "-") if name not in self.attrs else name
            if wanted is True:
                if name not in self.attrs:
                    return False
            elif wanted is False:
                if name in self.attrs:
                    return False
            elif name == "class":
                if wanted not in (self.attrs.get("class") or "").split():
                    return False
            elif self.attrs.get(name) != wanted:
                return False
        return True

    def find_all(self, tag=None, **attrs):
        """Elements under this one with that tag and those attributes (class: one of its classes;
        True: present; False: absent). Attribute names: `class_`, `data_url` for data-url."""
        return [element for element in self.iter() if element.matches(tag, **attrs)]

    def find(self, tag=None, **attrs):
        """The first such element, or None."""
        return next((element for element in self.iter() if element.matches(tag, **attrs)), None)

    def contains(self, words):
        """Whether `words` appear anywhere in this element: in its text, or in an attribute value of it
        or of any element under it (a secret that must not be on a form, say)."""
        return words in self.raw_text or any(words in value for element in (self, *self.iter()) for value in element.attrs.values())

    def texts(self, tag=None, **attrs):
        """The text of each element under this one that `find_all` would give."""
        return [element.text for element in self.find_all(tag, **attrs)]

    def countdown(self):
        """The MFA wait's countdown (steps/mfa.py, wait_countdown) and whether the page loads the script that
        runs it (static/js/countdown.js): (seconds, [[up to how many seconds left, sentence], ...], the end's sentence, loaded), or None."""
        span = self.find("span", class_="countdown")
        if span is None:
            return None
        loaded = any(s.attrs.get("src", "").split("/")[-1].startswith("countdown.") for s in self.find_all("script", src=True))
        return int(span.attrs["data-seconds"]), json.loads(span.attrs["data-words"]), span.attrs["data-done"], loaded

    def links(self, starting=""):
        """The `href` of every `<a>` under this one whose href starts with `starting`, in page order."""
        return [a["href"] for a in self.find_all("a", href=True) if a["href"].startswith(starting)]

    def field_errors(self, name=None):
        """The messages shown for the form field `name` (one `<p>` each in its
        `<div class="field-error" id="id_NAME_error">`, or `id="NAME_error"` for a group drawn by hand),
        or for the form itself when `name` is None (`id="form-errors"`); [] when there are none."""
        ids = ["form-errors"] if name is None else [f"id_{name}_error", f"{name}_error"]
        block = next((found for found in map(lambda i: self.find(id=i), ids) if found is not None), None)
        return block.texts("p") if block is not None else []

    def checked(self, name):
        """The value of the checked radio button (or the one checked box) named `name`; None when
        none is checked, an AssertionError when several are."""
        values = [element.get("value") for element in self.find_all("input", name=name, checked=True)]
        assert len(values) <= 1, f"several inputs named {name!r} are checked: {values}"
        return values[0] if values else None

    def definition(self, term):
        """The text of the `<dd>` right after the `<dt>` whose text is `term` (an AssertionError when
        there is no such term, or no `<dd>` follows it)."""
        for dt in self.find_all("dt"):
            if dt.text == term:
                siblings = dt.parent.elements
                after = siblings[siblings.index(dt) + 1:]
                assert after and after[0].tag == "dd", f"no <dd> right after <dt>{term}</dt>"
                return after[0].text
        raise AssertionError(f"no <dt>{term}</dt> on this page")

    def error_summary(self):
        """The error summary (templates/_error_summary.html) as {"text", "links", "cleared"}: its words,
        its links as (text, target id), and the note on cleared secret fields ("" when none); None when
        the page has no summary."""
        block = self.find(id="error-summary")
        if block is None:
            return None
        listed = block.find("ul", class_="error-summary-list")
        links = [(a.text, a["href"].removeprefix("#")) for a in listed.find_all("a")] if listed else []
        cleared = block.find("p", class_="error-summary-cleared")
        return {"text": block.text, "links": links, "cleared": cleared.text if cleared else ""}

    @property
    def title(self):
        """The text of the page's `<title>`."""
        return self.find("title").text

    def __getitem__(self, name):
        return self.attrs[name]

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"


class _TreeBuilder(HTMLParser):
    def __init__(self, stop_at_close=False):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.stop_at_close = stop_at_close
        self.closed = False

    def handle_starttag(self, tag, attrs):
        if self.closed:
            return
        element = Element(tag, {name: "" if value is None else value for name, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element
        elif self.stop_at_close and self.current is self.root:
            self.closed = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and not self.closed:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        if self.closed:
            return
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is self.root:
            return  # a stray end tag
        self.current = node.parent
        if self.stop_at_close and self.current is self.root:
            self.closed = True

    def handle_data(self, data):
        if not self.closed:
            self.current.children.append(data)


def _source(page):
    content = getattr(page, "content", page)
    return content.decode() if isinstance(content, bytes) else content


class Page(Element):
    """A whole page. `Page(response)` takes a Django test response or an HTML string."""

    def __init__(self, page):
        self.html = _source(page)
        self._tree = None
        super().__init__("#document", {})

    @property
    def children(self):
        if self._tree is None:
            builder = _TreeBuilder()
            builder.feed(self.html)
            builder.close()
            self._tree = builder.root
        return self._tree.children

    @children.setter
    def children(self, value):
        pass  # the tree is built from the HTML on first use

    def by_id(self, element_id):
        """The element with this id; an AssertionError naming the id when the page has none."""
        for quote in ('"', "'"):
            at = self.html.find(f" id={quote}{element_id}{quote}")
            if at != -1:
                break
        else:
            raise AssertionError(f"no element with id={element_id!r} on this page")
        start = self.html.rfind("<", 0, at)
        builder = _TreeBuilder(stop_at_close=True)
        position = start
        while not builder.closed and position < len(self.html):
            builder.feed(self.html[position:position + 4096])
            position += 4096
        builder.close()
        return builder.root.elements[0]

    def has_id(self, element_id):
        return f' id="{element_id}"' in self.html or f" id='{element_id}'" in self.html

    def text(self, element_id=None):
        """The text of the element with this id (or of the whole page), unescaped, spaces folded."""
        return self.by_id(element_id).text if element_id else fold(self.raw_text)
