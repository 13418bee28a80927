"""The soft_breaks filter: line break opportunities in long values (ARNs, URLs, API names), escaped safely;
and cli_breaks: an AWS CLI line wraps between its words, never inside a short one."""
from django.template import Context, Template
from django.utils.safestring import SafeString, mark_safe

import re

from iamwizard.wizard.templatetags.breaks import cli_breaks, soft_breaks


def render(value, autoescape=True):
    source = "{% load breaks %}{{ value|soft_breaks }}"
    if not autoescape:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    return Template(source).render(Context({"value": value}))


def test_an_arn_may_break_after_each_colon_run_and_slash():
    assert soft_breaks("arn:aws:iam::123456789012:mfa/erin") == "arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>mfa/<wbr>erin"


def test_an_api_name_may_break_before_each_inner_capital():
    assert soft_breaks("ListAttachedUserPolicies") == "List<wbr>Attached<wbr>User<wbr>Policies"
    assert soft_breaks("iam:ListAttachedGroupPolicies refused (AccessDenied)") == "iam:<wbr>List<wbr>Attached<wbr>Group<wbr>Policies refused (AccessDenied)"
    # An acronym stays whole: the break comes where a lowercase letter meets a capital.
    assert soft_breaks("IAMUserChangePassword") == "IAMUser<wbr>Change<wbr>Password"


def test_short_runs_are_left_alone_they_never_need_a_break():
    # Fewer than LONG characters between spaces or hyphens (where the browser may break already).
    for value in ("iam:ListUsers refused (AccessDenied)", "policy RequireMFA-Builders", "RequireMFA-Ops: AWS holds it", "localhost:8000"):
        assert soft_breaks(value) == value


def test_a_url_breaks_at_slashes_not_mid_word_and_not_at_its_end():
    assert soft_breaks("https://wizard.example:8443/join/") == "https://<wbr>wizard.example:<wbr>8443/<wbr>join/"


def test_times_dates_and_plain_words_are_left_alone():
    for value in ("2026-12-02 01:39 UTC", "02/12/2026", "1 of at most 8", "on (AccountMFAEnabled = 1)"[:3], ""):
        assert soft_breaks(value) == value


def test_html_in_the_value_stays_escaped():
    value = '<script>alert("x")</script><img/src=x/onerror=AlertMe(1)>&amp;'
    out = soft_breaks(value)
    assert isinstance(out, SafeString) and "<wbr>" in out
    assert "<script" not in out and "<img" not in out and "</" not in out
    assert out.replace("<wbr>", "") == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img/src=x/onerror=AlertMe(1)&gt;&amp;amp;"
    # The only markup added is <wbr>: removing it leaves exactly Django's escaping of the value.
    assert render(value) == out
    # With autoescape off the filter still escapes: it marks its output safe, so it must never pass HTML through.
    assert render(value, autoescape=False) == out


def test_a_value_already_marked_safe_is_not_escaped_twice():
    assert soft_breaks(mark_safe('<code title="a:bListUsers">ListUsersForGroups/x</code>')) == '<code title="a:bListUsers">List<wbr>Users<wbr>For<wbr>Groups/<wbr>x</code>'
    assert soft_breaks(mark_safe("aaaaaaaaaaaa&amp;bbbbbbbbbbbb/cccccccccc&#x27;Dd")) == "aaaaaaaaaaaa&amp;bbbbbbbbbbbb/<wbr>cccccccccc&#x27;Dd"


def test_a_cli_line_keeps_each_short_word_whole_and_breaks_long_ones_like_soft_breaks():
    line = "aws iam enable-mfa-device --user-name erin --serial-number arn:aws:iam::123456789012:mfa/erin --authentication-code1 <code-1>"
    out = cli_breaks(line)
    assert isinstance(out, SafeString)
    assert out == ('<span class="nowrap">aws</span> <span class="nowrap">iam</span> <span class="nowrap">enable-mfa-device</span> '
                   '<span class="nowrap">--user-name</span> <span class="nowrap">erin</span> <span class="nowrap">--serial-number</span> '
                   'arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>mfa/<wbr>erin <span class="nowrap">--authentication-code1</span> '
                   '<span class="nowrap">&lt;code-1&gt;</span>')
    # The text (what Copy copies, what a reader sees) is the line itself, escaped once.
    assert re.sub(r"<[^>]+>", "", out) == line.replace("<", "&lt;").replace(">", "&gt;")


def test_a_cli_line_with_quotes_stays_escaped():
    line = """aws iam tag-user --tags '{"Key": "a<b"}' --user-name x"""
    out = cli_breaks(line)
    assert "<b" not in out.replace("<span", "").replace("</span", "").replace("<wbr", "")
    assert re.sub(r"<[^>]+>", "", out) == line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")
