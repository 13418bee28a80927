"""The latency the sandbox adds to every answer: `--latency-ms N` at start, POST ms=N to
/_sandbox/latency while it runs. Both read N the same way: ASCII digits, 0 to 10000."""
import argparse

from iamwizard.core.digits import whole_number

MAX_LATENCY_MS = 10_000
PROBLEM = f"a whole number from 0 to {MAX_LATENCY_MS}, in the digits 0-9"


def parse_latency_ms(text) -> int | None:
    """Milliseconds, or None when text is not a whole number from 0 to MAX_LATENCY_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LATENCY_MS)


def latency_ms_argument(text: str) -> int:
    """argparse type of --latency-ms."""
    value = parse_latency_ms(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not {PROBLEM}")
    return value
