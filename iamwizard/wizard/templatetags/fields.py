"""A form field's label and input written straight to HTML, without Django's form renderer.

`{{ field }}`, `{{ field.label_tag }}` and `{{ choice.tag }}` each render one of Django's widget
templates (an include of an include, the attributes in a template loop): about a fifth of a step
page's drawing. These tags write the same HTML in Python, from the same context Django builds
(`BoundField.build_widget_attrs`, `Widget.get_context`), for the widgets whose templates are
Django's plain input and textarea. Any other widget (a select, a localized field, a widget with a
template of its own) is left to Django: the output is the same either way.

    {% load fields %}
    {% field_label field %}   {% field_input field %}   {% choice_input choice %}
"""
from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

_INPUT = "django/forms/widgets/input.html"
# Django's widget templates that are just `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "checkbox", "color", "date", "datetime", "email", "hidden", "number", "password", "search", "tel", "text", "time", "url"))
OPTION_TEMPLATES = frozenset(("django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html",
                              "django/forms/widgets/input_option.html"))
_TEXTAREA = "django/forms/widgets/textarea.html"
# Django's label_tag adds no suffix after these; translated by Django's own catalogue (a name, not
# a literal: this project's catalogues do not carry Django's message).
LABEL_PUNCTUATION = ":?.!"


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif value is not False:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html, from a widget's context."""
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


@register.simple_tag
def field_input(field):
    """`{{ field }}` (BoundField.as_widget with no arguments), the same HTML."""
    widget = field.field.widget
    if field.field.localize or widget.template_name not in INPUT_TEMPLATES and widget.template_name != _TEXTAREA:
        return field.as_widget()
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    name = context["template_name"]
    if name in INPUT_TEMPLATES:
        return mark_safe(_input(context))
    if name == _TEXTAREA:
        value = context["value"]
        return mark_safe(f'<textarea name="{conditional_escape(context["name"])}"{_attrs(context["attrs"])}>\n'
                         f'{conditional_escape(value) if value else ""}</textarea>')
    return field.as_widget()


@register.simple_tag
def choice_input(choice):
    """`{{ choice.tag }}` (a radio button or check box of a field's choices), the same HTML."""
    if choice.template_name not in OPTION_TEMPLATES:
        return choice.tag()
    return mark_safe(_input(choice.data))


@register.simple_tag
def field_label(field):
    """`{{ field.label_tag }}`, the same HTML (Django's label_tag and django/forms/label.html)."""
    form = field.form
    if form.template_name_label != "django/forms/label.html":
        return field.label_tag()
    contents = field.label
    suffix = field.field.label_suffix if field.field.label_suffix is not None else form.label_suffix
    if suffix and contents and contents[-1] not in gettext(LABEL_PUNCTUATION):
        contents = format_html("{}{}", contents, suffix)
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return conditional_escape(contents)
    attrs = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return mark_safe(f"<label{_attrs(attrs)}>{conditional_escape(contents)}</label>")
