"""The sandbox: an AWS emulator (moto's server) that answers like AWS.

No Django here. The app embeds it in a thread (`start_embedded`); `manage.py sandbox`
runs the same server as a standalone process (`serve_forever`) so that several workers
share one set of emulated accounts. The app imports this package's names only, never its
modules (tests/core/test_layers.py): what it needs of the sandbox is listed here.
"""
from .numbers import accounts_in_memory_argument, lag_ms_argument, latency_ms_argument, port_argument
from .server import (SANDBOX_ACCESS_KEY, SANDBOX_REGION, SANDBOX_SECRET_KEY, drop_saved_accounts, flush, make_app, make_server, serve_forever,
                     start_embedded, stop_embedded, unchanged_saved_accounts)

__all__ = ["SANDBOX_ACCESS_KEY", "SANDBOX_REGION", "SANDBOX_SECRET_KEY", "drop_saved_accounts", "flush", "make_app", "make_server", "serve_forever",
           "start_embedded", "stop_embedded", "unchanged_saved_accounts",
           "accounts_in_memory_argument", "lag_ms_argument", "latency_ms_argument", "port_argument"]
