"""Numbers the sandbox reads, in the digits 0-9 only: its --port, the latency it adds to every
answer, `--latency-ms N` at start or POST ms=N to /_sandbox/latency while it runs (0 to 10000),
IAM's consistency lag, `--consistency-lag-ms N` or POST ms=N to /_sandbox/lag (0 to 60000), and
how many emulated accounts it keeps in memory (`--accounts-in-memory N` or
IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY, 1 to 1,000,000; the others wait on disk)."""
from iamwizard.core.digits import whole_number, whole_number_argument
# The rule and its default are the core's, read alike by the app's settings and a sandbox on its own.
from iamwizard.core.sandbox_memory import (ACCOUNTS_IN_MEMORY_ENV, DEFAULT_ACCOUNTS_IN_MEMORY, MAX_ACCOUNTS_IN_MEMORY,  # noqa: F401
                                           accounts_in_memory_from_env)

from .lag import MAX_LAG_MS

MAX_LATENCY_MS = 10_000
LATENCY_PROBLEM = f"a whole number from 0 to {MAX_LATENCY_MS}, in the digits 0-9"
latency_ms_argument = whole_number_argument(0, MAX_LATENCY_MS)  # argparse type of --latency-ms
lag_ms_argument = whole_number_argument(0, MAX_LAG_MS)  # argparse type of --consistency-lag-ms
port_argument = whole_number_argument(0, 65535)  # argparse type of --port (0: any free port)
accounts_in_memory_argument = whole_number_argument(1, MAX_ACCOUNTS_IN_MEMORY)  # argparse type of --accounts-in-memory


def parse_latency_ms(text) -> int | None:
    """Milliseconds, or None when text is not a whole number from 0 to MAX_LATENCY_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LATENCY_MS)


def parse_lag_ms(text) -> int | None:
    """Milliseconds of consistency lag, or None when text is not a whole number from 0 to MAX_LAG_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LAG_MS)
