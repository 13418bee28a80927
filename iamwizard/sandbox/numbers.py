"""Numbers the sandbox reads, in the digits 0-9 only: its --port, the latency it adds to every
answer, `--latency-ms N` at start or POST ms=N to /_sandbox/latency while it runs (0 to 10000),
IAM's consistency lag, `--consistency-lag-ms N` or POST ms=N to /_sandbox/lag (0 to 60000), and
how many emulated accounts it keeps in memory (`--accounts-in-memory N` or
IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY, 1 to 1,000,000; the others wait on disk)."""
import os

from iamwizard.core.digits import whole_number, whole_number_argument

from .lag import MAX_LAG_MS

MAX_LATENCY_MS = 10_000
LATENCY_PROBLEM = f"a whole number from 0 to {MAX_LATENCY_MS}, in the digits 0-9"
latency_ms_argument = whole_number_argument(0, MAX_LATENCY_MS)  # argparse type of --latency-ms
lag_ms_argument = whole_number_argument(0, MAX_LAG_MS)  # argparse type of --consistency-lag-ms
port_argument = whole_number_argument(0, 65535)  # argparse type of --port (0: any free port)
MAX_ACCOUNTS_IN_MEMORY = 1_000_000
DEFAULT_ACCOUNTS_IN_MEMORY = 200
ACCOUNTS_IN_MEMORY_ENV = "IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY"
accounts_in_memory_argument = whole_number_argument(1, MAX_ACCOUNTS_IN_MEMORY)  # argparse type of --accounts-in-memory


def parse_latency_ms(text) -> int | None:
    """Milliseconds, or None when text is not a whole number from 0 to MAX_LATENCY_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LATENCY_MS)


def parse_lag_ms(text) -> int | None:
    """Milliseconds of consistency lag, or None when text is not a whole number from 0 to MAX_LAG_MS in ASCII digits."""
    return whole_number(text, 0, MAX_LAG_MS)


def accounts_in_memory_from_env(environ=None) -> int:
    """IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY, or the default when unset; ValueError with a clear
    message when it is not a whole number from 1 to MAX_ACCOUNTS_IN_MEMORY."""
    text = (os.environ if environ is None else environ).get(ACCOUNTS_IN_MEMORY_ENV, "").strip()
    if not text:
        return DEFAULT_ACCOUNTS_IN_MEMORY
    value = whole_number(text, 1, MAX_ACCOUNTS_IN_MEMORY)
    if value is None:
        raise ValueError(f"{ACCOUNTS_IN_MEMORY_ENV} must be a whole number from 1 to {MAX_ACCOUNTS_IN_MEMORY:,}, "
                         f"in the digits 0-9 (got {text!r}).")
    return value
