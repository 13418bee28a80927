"""Start moto's server on loopback, embedded in a thread or as its own process."""
import os
import threading

# Must be set before moto's IAM backend is imported: AWS managed policies
# (AdministratorAccess, ReadOnlyAccess, ...) exist in every emulated account.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

import atexit  # noqa: E402

from moto.server import DomainDispatcherApplication, create_backend_app  # noqa: E402
from werkzeug.serving import make_server as werkzeug_make_server  # noqa: E402

from iamwizard.core import sandbox_admin  # noqa: E402

from . import accounts, retention  # noqa: E402
from .middleware import SandboxMiddleware  # noqa: E402
from .numbers import accounts_in_memory_from_env  # noqa: E402
from .persistence import Store  # noqa: E402

SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, SANDBOX_REGION = sandbox_admin.ACCESS_KEY_ID, sandbox_admin.SECRET_ACCESS_KEY, sandbox_admin.REGION

_lock = threading.Lock()
_embedded = None  # (server, thread, endpoint)


_state_lock = threading.RLock()  # guards moto's IAM/STS models in this process
_stores = {}  # data_dir -> Store (one per directory and process)
_stores_lock = threading.Lock()


def _store_for(data_dir, accounts_in_memory=None):
    key = os.path.abspath(os.fspath(data_dir))
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = Store(key, _state_lock, max_in_memory=accounts_in_memory or accounts_in_memory_from_env())
            with _state_lock:
                store.open()
            _stores[key] = store
        elif accounts_in_memory:
            store.max_in_memory = accounts_in_memory
        return store


def make_app(data_dir=None, latency_ms=0, accounts_in_memory=None, lag_ms=0):
    """moto's server app behind the sandbox middleware; state persists in data_dir when given.
    `latency_ms` is added to every answer (AWS takes tens of milliseconds; 0: as fast as it can);
    what a write makes is seen by reads only `lag_ms` later (IAM's eventual consistency; 0: at once).
    With a data_dir, accounts are read from it on first use and at most `accounts_in_memory`
    of them (default: IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY, else 200) stay in memory."""
    accounts.install()
    store = _store_for(data_dir, accounts_in_memory) if data_dir else None
    app = SandboxMiddleware(DomainDispatcherApplication(create_backend_app), store=store, lock=_state_lock,
                            service_app=create_backend_app, latency_ms=latency_ms, lag_ms=lag_ms)
    return app


def flush():
    """Write every pending change to disk now."""
    for store in list(_stores.values()):
        store.flush()


atexit.register(flush)


def make_server(host="127.0.0.1", port=0, data_dir=None, latency_ms=0, accounts_in_memory=None, lag_ms=0):
    """A threaded WSGI server for the sandbox; port 0 picks a free port."""
    app = make_app(data_dir, latency_ms, accounts_in_memory, lag_ms)
    server = werkzeug_make_server(host, port, app, threaded=True)
    server.sandbox_store = app.store
    return server


def _endpoint(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def start_embedded(data_dir=None, accounts_in_memory=None):
    """Start the sandbox in a daemon thread of this process, once; return its endpoint."""
    global _embedded
    with _lock:
        if _embedded is None:
            server = make_server(data_dir=data_dir, accounts_in_memory=accounts_in_memory)
            thread = threading.Thread(target=server.serve_forever, name="iamwizard-sandbox", daemon=True)
            thread.start()
            _embedded = (server, thread, _endpoint(server))
        return _embedded[2]


def stop_embedded():
    global _embedded
    with _lock:
        if _embedded is not None:
            server, thread, _ = _embedded
            server.shutdown()
            thread.join()
            server.server_close()
            if server.sandbox_store is not None:
                server.sandbox_store.flush()
            _embedded = None


def serve_forever(host="127.0.0.1", port=0, data_dir=None, on_ready=print, latency_ms=0, accounts_in_memory=None, lag_ms=0):
    server = make_server(host, port, data_dir, latency_ms, accounts_in_memory, lag_ms)
    on_ready(_endpoint(server))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if server.sandbox_store is not None:
            server.sandbox_store.close()


# --- the saved accounts, from the app's process (no HTTP: the embedded sandbox, IAMWIZARD_SANDBOX_URL unset)

def drop_saved_accounts(data_dir, account_ids) -> int:
    """Drop these emulated accounts of the sandbox whose state lives in `data_dir`; how many it had.
    When the sandbox runs embedded in this process, through it (memory and saved file); otherwise
    remove the saved files (a development server running elsewhere forgets those accounts at its
    next restart)."""
    if _embedded is not None:
        _store_for(data_dir)
        return sum(retention.drop_account(a) for a in account_ids)
    store = Store(data_dir, lock=threading.RLock())
    return sum(store.forget(a) for a in account_ids)


def unchanged_saved_accounts(data_dir, days) -> list:
    """The accounts saved in `data_dir` unchanged for `days` days (what `GET /_sandbox/accounts` lists)."""
    return retention.unchanged_accounts(Store(data_dir, lock=None), days)
