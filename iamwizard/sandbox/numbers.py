"""Numbers the sandbox reads, in the digits 0-9 only: its --port, the latency it adds to every
answer, `--latency-ms N` at start or POST ms=N to /_sandbox/latency while it runs (0 to 10000),
and IAM's consistency lag, `--consistency-lag-ms N` or POST ms=N to /_sandbox/lag (0 to 60000)."""
from iamwizard.core.digits import whole_number, whole_number_argument

from .lag import MAX_LAG_MS

MAX_LATENCY_MS = 10_000
LATENCY_PROBLEM = f"a whole number from 0 to {MAX_LATENCY_MS}, in the digits 0-9"
latency_ms_argument = whole_number_argument(0, MAX_LATENCY_MS)  # argparse type of --latency-ms
lag_ms_argument = whole_number_argument(0, MAX_LAG_MS)  # argparse type of --consistency-lag-ms
port_argument = whole_number_argument(0, 65535)  # argparse type of --port (0: any free port)


def parse_latency_ms(text) -> int | None:
    """Milliseconds, or None when text is not a whole number from 0 to MAX_LATENCY_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LATENCY_MS)


def parse_lag_ms(text) -> int | None:
    """Milliseconds of consistency lag, or None when text is not a whole number from 0 to MAX_LAG_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LAG_MS)
