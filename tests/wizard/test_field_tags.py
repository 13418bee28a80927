"""The field tags (iamwizard/wizard/templatetags/fields.py) write what Django's form renderer writes:
`{% field_input %}` is `{{ field }}`, `{% field_label %}` is `{{ field.label_tag }}`, `{% choice_input %}`
is `{{ choice.tag }}`, for every kind of widget the app's forms use, bound or not, refused or not.
(scripts/snapshot_pages.py compares whole pages; this compares the widgets one by one.)"""
import pytest
from django import forms
from django.utils.translation import override

from iamwizard.wizard.steps.forms import OneTimeCodeInput
from iamwizard.wizard.templatetags.fields import choice_input, field_input, field_label


class Everything(forms.Form):
    name = forms.CharField(label="User name", max_length=20, help_text="Letters <and> digits & more",
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    email = forms.EmailField(label="E-mail address?", required=False)
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    kept = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    code = forms.CharField(required=False, widget=OneTimeCodeInput(attrs={"inputmode": "numeric"}))
    count = forms.IntegerField(min_value=1, max_value=9, initial=3)
    when = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    tags = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    agree = forms.BooleanField(label="I agree", required=False, help_text="Tick it")
    off = forms.CharField(required=False, disabled=True, initial="fixed")
    mode = forms.ChoiceField(choices=[("a", "Alpha <1>"), ("b", "Beta")], widget=forms.RadioSelect, initial="a")
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y & Z")], widget=forms.CheckboxSelectMultiple, required=False)
    pick = forms.ChoiceField(choices=[("1", "One"), ("2", "Two")])  # a select: left to Django
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)


class NoSuffix(Everything):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


FILLED = {"name": 'x"<y>&', "email": "not-an-email", "password": "secret", "kept": "kept<>", "code": "123456",
          "count": "12", "when": "2026-12-02T10:00", "tags": "a=b\n<c>", "agree": "on", "mode": "b", "many": ["y"], "pick": "2"}


@pytest.mark.parametrize("form_class", [Everything, NoSuffix])
@pytest.mark.parametrize("data", [None, {}, FILLED], ids=["unbound", "empty", "filled"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_widget_as_django_renders_it(form_class, data, lang):
    with override(lang):
        form = form_class(data, auto_id="id_%s" if data != {} else False) if data is not None else form_class()
        form.is_valid() if data is not None else None
        for field in form:
            assert field_input(field) == str(field), field.name
            assert field_label(field) == field.label_tag(), field.name
            for choice in field.subwidgets if field.field.widget.use_fieldset else ():
                assert choice_input(choice) == choice.tag(), field.name


def test_required_css_class_and_no_id():
    class Marked(Everything):
        required_css_class = "required"

    form = Marked({}, auto_id=False)
    form.is_valid()
    for field in form:
        assert field_label(field) == field.label_tag()
        assert field_input(field) == str(field)
    form = Marked()
    for field in form:
        assert field_label(field) == field.label_tag()
