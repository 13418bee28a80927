"""Durable sandbox state: one pickle per emulated account, written atomically.

Each account's IAM and STS backends are pickled together (so shared objects such as
assumed-role access keys keep their identity) into
`<data_dir>/sandbox-state/<account id>.pickle`. Shared AWS managed policies are
pickled as (arn, attachment count) references, so a file holds only what the
participant created. Writes happen on a background thread shortly after a
mutating request (debounced by half a second, so the calls of one wizard step are written
together) and synchronously on `flush()` (clean stop).
"""
import io
import logging
import os
import pickle
import threading

from moto.iam.models import IAMBackend, iam_backends
from moto.sts.models import sts_backends

from . import accounts

log = logging.getLogger(__name__)

STATE_DIR_NAME = "sandbox-state"
FORMAT_VERSION = 1


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if type(obj) is IAMBackend:
            return accounts.reduce_iam_backend(obj)
        if accounts.is_shared_policy(obj):
            return accounts.restore_policy, (obj.arn, obj.account_id, obj.attachment_count)
        return NotImplemented


def dumps_account(account_id):
    buffer = io.BytesIO()
    state = {
        "version": FORMAT_VERSION,
        "account_id": account_id,
        "iam": accounts.existing_iam_backend(account_id),
        "sts": accounts.existing_sts_backend(account_id),
    }
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def _install(state):
    account_id = state["account_id"]
    for backends, key in ((iam_backends, "iam"), (sts_backends, "sts")):
        if state.get(key) is not None:
            backends[account_id]  # creates the (empty) per-account dict
            dict.__setitem__(backends[account_id], accounts.PARTITION, state[key])


class Store:
    """Saves dirty accounts to `data_dir`; `lock` must guard every change to moto's state."""

    def __init__(self, data_dir, lock, delay=0.5):
        self.directory = os.path.join(os.fspath(data_dir), STATE_DIR_NAME)
        os.makedirs(self.directory, exist_ok=True)
        self.lock = lock
        self.delay = delay
        self._dirty = set()
        self._wakeup = threading.Condition()
        self._stopped = False
        self._thread = None
        self._write_lock = threading.Lock()

    def path(self, account_id):
        return os.path.join(self.directory, f"{account_id}.pickle")

    def load(self):
        """Install every saved account into moto; returns the account ids loaded."""
        loaded = []
        for name in sorted(os.listdir(self.directory)):
            if not name.endswith(".pickle"):
                continue
            try:
                with open(os.path.join(self.directory, name), "rb") as handle:
                    state = pickle.load(handle)
            except Exception:  # a corrupt file must not stop the sandbox
                log.exception("sandbox: cannot load %s", name)
                continue
            if state.get("version") == FORMAT_VERSION:
                _install(state)
                loaded.append(state["account_id"])
        return loaded

    def mark_dirty(self, account_id):
        if not account_id:
            return
        with self._wakeup:
            self._dirty.add(account_id)
            self._wakeup.notify()
        if self._thread is None:
            self._start()

    def forget(self, account_id):
        """Drop the account's saved state (retention): any write still pending for it, and its file.
        Call it without holding `lock`, once the account is gone from moto's memory: a flush that
        is writing it right now finishes first, and a later one finds nothing to write."""
        with self._write_lock:
            with self._wakeup:
                self._dirty.discard(account_id)
            try:
                os.unlink(self.path(account_id))
            except FileNotFoundError:
                return False
            return True

    def _start(self):
        with self._wakeup:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="iamwizard-sandbox-persist", daemon=True)
                self._thread.start()

    def _run(self):
        while True:
            with self._wakeup:
                while not self._dirty and not self._stopped:
                    self._wakeup.wait()
                if self._stopped:
                    return
            # Debounce: let a burst of requests land before writing.
            with self._wakeup:
                self._wakeup.wait(self.delay)
            self.flush()

    def flush(self):
        """Write every dirty account now."""
        with self._write_lock:
            with self._wakeup:
                dirty, self._dirty = self._dirty, set()
            for account_id in sorted(dirty):
                with self.lock:
                    if accounts.existing_iam_backend(account_id) is None and accounts.existing_sts_backend(account_id) is None:
                        continue  # dropped since it changed (retention): nothing to keep
                    data = dumps_account(account_id)
                self._write(account_id, data)

    def _write(self, account_id, data):
        # One writer at a time (flush holds _write_lock), so a fixed temporary name is enough.
        temp = os.path.join(self.directory, f".{account_id}.tmp")
        try:
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
                handle.write(data)
            os.replace(temp, self.path(account_id))
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise

    def close(self):
        with self._wakeup:
            self._stopped = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
