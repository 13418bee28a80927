import pytest

from iamwizard.core.digits import has_foreign_digits, whole_number, whole_number_argument


@pytest.mark.parametrize("text", ["١٢٣", "１２", "۴", "²", "१२", "12٣"])
def test_other_scripts_digits_are_foreign(text):
    assert has_foreign_digits(text)
    assert whole_number(text, 0, 10**9) is None


@pytest.mark.parametrize("text", ["", "123", "abc", "alice-2", "½"])
def test_ascii_text_has_no_foreign_digits(text):
    assert not has_foreign_digits(text)


@pytest.mark.parametrize("text, expected", [("0", 0), ("30", 30), ("10000", 10000), ("007", 7), ("10001", None), ("-1", None),
                                            ("+1", None), (" 1", None), ("1 ", None), ("1.5", None), ("", None), ("1_000", None), (None, None)])
def test_whole_number(text, expected):
    assert whole_number(text, 0, 10000) == expected


def test_whole_number_argument():
    import argparse

    parse = whole_number_argument(0, 65535)
    assert parse("8123") == 8123
    for bad in ("٨١٢٣", "65536", "-1", "port"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a whole number from 0 to 65535, in the digits 0-9"):
            parse(bad)
