"""`{% once %}`: a template fragment drawn once per process and language, then copied.

    {% load once %}
    {% once "why" step.slug %}...{% endonce %}
    {% once "why" step.slug unless step.words_changed %}...{% endonce %}

The fragment's words are kept per process under (fragment name, the active language, the explicit
arguments' values); the next page in that language with the same arguments gets the kept text
without drawing it. `unless <expression>`: when it is true, the fragment is drawn and not kept (the
step's words were replaced by words about this run). At most 4,096 fragments are kept, the oldest
dropped first; a changed setting (tests) forgets them all.

A fragment may hold only what depends on the language and its arguments alone: fixed words, a
step's usual teaching text, links to static files and to fixed pages. Never a CSRF token, a
secret, a run's or a user's data (a run id, a user name, an account number, the run's state), a
form's values or errors: anything a page draws from its request or its run stays outside the
block or is an argument, and then only when a few values cover everyone (a step's slug, the
run's target). Variables set inside the block (`{% translate ... as x %}`) are not set when the
fragment comes from the store: set them outside. A fragment name is used in one template only.
"""
import threading

from django import template
from django.core.signals import setting_changed
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

LIMIT = 4096
_fragments: dict = {}  # key -> text, oldest first (a dict keeps insertion order)
_lock = threading.Lock()
_names: dict = {}  # fragment name -> the template that uses it


def forget(**kwargs):
    """Drop every kept fragment (on a changed setting: tests that switch storages or languages)."""
    with _lock:
        _fragments.clear()


setting_changed.connect(forget)


def kept() -> int:
    return len(_fragments)


class OnceNode(template.Node):
    def __init__(self, name, args, unless, nodelist):
        self.name, self.args, self.unless, self.nodelist = name, args, unless, nodelist

    def render(self, context):
        if self.unless is not None and self.unless.resolve(context):
            return self.nodelist.render(context)
        key = (self.name, get_language(), *(arg.resolve(context) for arg in self.args))
        try:
            return _fragments[key]
        except KeyError:
            pass
        except TypeError:  # an argument that cannot be a key: drawn every time
            return self.nodelist.render(context)
        text = mark_safe(self.nodelist.render(context))
        with _lock:
            if key not in _fragments:
                while len(_fragments) >= LIMIT:
                    del _fragments[next(iter(_fragments))]
                _fragments[key] = text
        return text


@register.tag
def once(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("{% once %} takes a fragment name in quotes, then its arguments")
    name = bits[1][1:-1]
    origin = getattr(getattr(parser, "origin", None), "name", None)
    if _names.setdefault(name, origin) != origin:
        raise template.TemplateSyntaxError(f"{{% once %}} fragment {name!r} is already used in {_names[name]}")
    rest, unless = bits[2:], None
    if "unless" in rest:
        at = rest.index("unless")
        if at != len(rest) - 2:
            raise template.TemplateSyntaxError("{% once %}: `unless` takes one expression, at the end")
        unless = parser.compile_filter(rest[-1])
        rest = rest[:at]
    args = [parser.compile_filter(bit) for bit in rest]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(name, args, unless, nodelist)
