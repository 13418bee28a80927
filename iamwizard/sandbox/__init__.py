"""The sandbox: an AWS emulator (moto's server) that answers like AWS.

No Django here. The app embeds it in a thread (`start_embedded`); `manage.py sandbox`
runs the same server as a standalone process (`serve_forever`) so that several workers
share one set of emulated accounts.
"""
from .server import SANDBOX_ACCESS_KEY, SANDBOX_REGION, SANDBOX_SECRET_KEY, flush, make_app, make_server, serve_forever, start_embedded, stop_embedded

__all__ = ["SANDBOX_ACCESS_KEY", "SANDBOX_REGION", "SANDBOX_SECRET_KEY", "flush", "make_app", "make_server", "serve_forever", "start_embedded", "stop_embedded"]
