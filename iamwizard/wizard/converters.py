"""The `<run_id:…>` path converter: a run's public reference in a page address.

Run ids are url-safe base64 (links.RUN_ID). An address whose run part is anything else (a NUL,
which PostgreSQL refuses outright, an overlong or odd string) matches no page: a 404 before any
view runs, and nothing reaches the database. The wizard's and the workshops' addresses both use it.
"""
from django.urls import register_converter
from django.urls.converters import get_converters

from .links import RUN_ID

NAME = "run_id"


class RunIdConverter:
    regex = RUN_ID.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


def register():
    """Make `<run_id:…>` known to path(); each URLconf that uses it calls this (once is enough)."""
    if NAME not in get_converters():
        register_converter(RunIdConverter, NAME)
