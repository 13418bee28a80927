"""Numbers typed by people or scripts are read from the ASCII digits 0-9 only.

Python's int() and Django's date parsing also read other scripts' digits (Arabic-Indic ١٢,
full-width １２) as numbers, and str.isdigit() is true for superscripts (²) that int() then
refuses with an error. AWS takes ASCII digits only, so the wizard refuses the others with a
clear message instead of reading them as something else or failing.
"""
import argparse
import re

_WHOLE_NUMBER = re.compile(r"[0-9]+")


def has_foreign_digits(text: str) -> bool:
    """True when text holds a digit that is not one of ASCII's 0-9."""
    return any(ch.isdigit() and not ch.isascii() for ch in text)


def whole_number(text: str, lowest: int, highest: int) -> int | None:
    """The number written in ASCII digits, if it lies in [lowest, highest]; else None."""
    if not isinstance(text, str) or not _WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if lowest <= number <= highest else None


def whole_number_argument(lowest: int, highest: int):
    """An argparse type: a whole number from lowest to highest, in the digits 0-9."""

    def parse(text: str) -> int:
        number = whole_number(text, lowest, highest)
        if number is None:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {lowest} to {highest}, in the digits 0-9")
        return number

    return parse
