"""tests/pages.py, the one HTML helper of the tests, on small pages written here."""
import pytest

from tests.pages import Page

PAGE = """<!doctype html><html lang="en"><head><title>Error: Specify user details &mdash; IAM wizard</title></head>
<body><main id="main" tabindex="-1">
<div class="error-summary" id="error-summary" tabindex="-1" data-error-summary>
  <div role="alert"><h2 class="error-summary-title">There is a problem</h2>
    <ul class="error-summary-list"><li><a href="#id_user_name">Use letters &amp; digits</a></li><li><a href="#id_code1">Type code 1</a></li></ul>
    <p class="error-summary-cleared">For your security, <a href="#id_code1">MFA code 1</a> was cleared: type it again.</p>
  </div>
</div>
<form method="post" id="codes">
  <div class="field-error form-errors" id="form-errors"><span class="visually-hidden">Error: </span><p>Both codes are the same.</p></div>
  <div class="field-error" id="id_user_name_error"><span class="visually-hidden">Error: </span><p>Use letters &amp; digits</p><p>Shorter, please</p></div>
  <input type="text" name="user_name" value="bad name!">
  <input type="radio" name="mode" value="group"><input type="radio" name="mode" value="direct" checked>
  <input type="checkbox" name="must_reset">
  <div class="field-error" id="policies_error" role="alert"><p>Choose at least one policy.</p></div>
</form>
<p id="signin-password" class="secret">a&lt;b
   c</p>
<p><a href="mailto:?subject=Hi&amp;body=a%20b">Email</a> <a name="x">no href</a> <a href="#main">Top</a></p>
<dl><dt>Root user MFA</dt><dd>yes</dd><dt>Tags</dt><dd><code>team = data</code>, <code>cost = 42</code></dd><dt>Empty</dt></dl>
</main></body></html>"""


def test_text_by_id_and_of_the_whole_page_is_unescaped_and_folded():
    page = Page(PAGE)
    assert page.text("signin-password") == "a<b c"
    assert "There is a problem Use letters & digits" in page.text()
    assert page.title == "Error: Specify user details — IAM wizard"
    with pytest.raises(AssertionError, match="no-such-id"):
        page.by_id("no-such-id")


def test_find_by_tag_and_attributes():
    page = Page(PAGE)
    assert page.find("input", name="user_name")["value"] == "bad name!"
    assert [i["value"] for i in page.find_all("input", type="radio")] == ["group", "direct"]
    assert page.find("input", name="must_reset", checked=True) is None
    assert page.find(class_="field-error", id="form-errors") is page.find(id="form-errors")
    assert page.by_id("codes").texts("p")[:1] == ["Both codes are the same."]


def test_links_by_how_their_address_starts():
    page = Page(PAGE)
    assert page.links("mailto:") == ["mailto:?subject=Hi&body=a%20b"]
    assert page.links() == ["#id_user_name", "#id_code1", "#id_code1", "mailto:?subject=Hi&body=a%20b", "#main"]


def test_contains_looks_in_text_and_attribute_values():
    form = Page(PAGE).by_id("codes")
    assert form.contains("bad name!") and form.contains("Shorter") and form.contains("codes")
    assert not form.contains("signin-password") and not form.contains("a<b")


def test_field_errors_by_field_name_and_for_the_form():
    page = Page(PAGE)
    assert page.field_errors("user_name") == ["Use letters & digits", "Shorter, please"]
    assert page.field_errors("policies") == ["Choose at least one policy."]  # id="policies_error", drawn by hand
    assert page.field_errors(None) == ["Both codes are the same."]
    assert page.field_errors("code2") == []
    assert page.by_id("codes").field_errors("user_name") == ["Use letters & digits", "Shorter, please"]


def test_checked_radio_and_definitions():
    page = Page(PAGE)
    assert page.checked("mode") == "direct" and page.checked("must_reset") is None
    with pytest.raises(AssertionError, match="several"):
        Page('<input type="radio" name="x" value="1" checked><input type="radio" name="x" value="2" checked>').checked("x")
    assert page.definition("Root user MFA") == "yes"
    assert page.definition("Tags") == "team = data, cost = 42"
    with pytest.raises(AssertionError, match="Empty"):
        page.definition("Empty")
    with pytest.raises(AssertionError, match="Nowhere"):
        page.definition("Nowhere")


def test_error_summary():
    summary = Page(PAGE).error_summary()
    assert summary["links"] == [("Use letters & digits", "id_user_name"), ("Type code 1", "id_code1")]
    assert summary["cleared"] == "For your security, MFA code 1 was cleared: type it again."
    assert summary["text"].startswith("There is a problem Use letters & digits")
    assert Page("<main id='main'><p>All fine</p></main>").error_summary() is None


def test_a_django_response_is_read_as_its_content():
    class Response:
        content = PAGE.encode()

    assert Page(Response()).text("signin-password") == "a<b c"
