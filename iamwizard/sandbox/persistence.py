"""Durable sandbox state: one pickle per emulated account, written atomically, loaded on first use.

Each account's IAM and STS backends are pickled together (so shared objects such as
assumed-role access keys keep their identity) into
`<data_dir>/sandbox-state/<account id>.pickle`. Shared AWS managed policies are
pickled as (arn, attachment count) references, so a file holds only what the
participant created. Writes happen on a background thread shortly after a
mutating request (debounced by half a second, so the calls of one wizard step are written
together) and synchronously on `flush()` (clean stop).

Nothing is read at start: an account is read from its file the first time a request needs it,
so a restart answers at once however many accounts exist. At most `max_in_memory` accounts stay
in memory; beyond that the least recently used ones that are saved are dropped from memory (and
read again when next needed). A small SQLite index beside the files
(`sandbox-state/index.sqlite3`) says which account each access key and account alias belongs to,
so a request signed with the key of an account that is not in memory finds it. The index is
checked against the files in the background at start (files written before it existed, or by a
process that died between a file and its index row, are indexed then).
"""
import io
import logging
import os
import pickle
import sqlite3
import threading
from collections import OrderedDict

from moto.iam.models import IAMBackend

from . import accounts
from .numbers import DEFAULT_ACCOUNTS_IN_MEMORY

log = logging.getLogger(__name__)

STATE_DIR_NAME = "sandbox-state"
INDEX_NAME = "index.sqlite3"
FORMAT_VERSION = 1
SUFFIX = ".pickle"
RECONCILE_WAIT_SECONDS = 120


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if type(obj) is IAMBackend:
            return accounts.reduce_iam_backend(obj)
        if accounts.is_shared_policy(obj):
            return accounts.restore_policy, (obj.arn, obj.account_id, obj.attachment_count)
        return NotImplemented


def dumps_account(account_id):
    """The account's file content, or None when it is not in memory. Hold the state lock."""
    iam = accounts._memory_only_iam_backend(account_id)
    sts = dict.get(dict.get(accounts.sts_backends, account_id) or {}, accounts.PARTITION)
    if iam is None and sts is None:
        return None
    buffer = io.BytesIO()
    state = {"version": FORMAT_VERSION, "account_id": account_id, "iam": iam, "sts": sts}
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def _names(state):
    """(access key ids, account aliases) of an account's state."""
    iam = state.get("iam") if isinstance(state, dict) else state
    if iam is None:
        return [], []
    return list(iam.access_keys), list(iam.account_aliases)


class KeyIndex:
    """Which account each access key and account alias belongs to, and which version of each
    account file that was read from (its modification time)."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, account TEXT NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS keys_account ON keys (account)")
            self._db.execute("CREATE TABLE IF NOT EXISTS aliases (alias TEXT NOT NULL, account TEXT NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS aliases_alias ON aliases (alias)")
            self._db.execute("CREATE INDEX IF NOT EXISTS aliases_account ON aliases (account)")
            self._db.execute("CREATE TABLE IF NOT EXISTS files (account TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL)")

    def _one(self, sql, value):
        with self._lock:
            row = self._db.execute(sql, (value,)).fetchone()
        return row[0] if row else None

    def account_of_key(self, key):
        return self._one("SELECT account FROM keys WHERE key = ?", key)

    def account_of_alias(self, alias):
        return self._one("SELECT account FROM aliases WHERE alias = ? ORDER BY rowid DESC", alias)

    def recorded(self):
        with self._lock:
            return dict(self._db.execute("SELECT account, mtime_ns FROM files").fetchall())

    def record(self, account_id, keys, aliases, mtime_ns):
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._forget(account_id)
                self._db.executemany("INSERT OR REPLACE INTO keys (key, account) VALUES (?, ?)", [(k, account_id) for k in keys])
                self._db.executemany("INSERT INTO aliases (alias, account) VALUES (?, ?)", [(a, account_id) for a in aliases])
                self._db.execute("INSERT INTO files (account, mtime_ns) VALUES (?, ?)", (account_id, mtime_ns))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _forget(self, account_id):
        for table in ("keys", "aliases", "files"):
            self._db.execute(f"DELETE FROM {table} WHERE account = ?", (account_id,))

    def forget(self, account_id):
        with self._lock:
            self._forget(account_id)

    def close(self):
        with self._lock:
            self._db.close()


class Store:
    """Saves dirty accounts to `data_dir`, reads them back on first use and keeps at most
    `max_in_memory` of them in memory. `lock` must guard every change to moto's state."""

    def __init__(self, data_dir, lock, delay=0.5, max_in_memory=DEFAULT_ACCOUNTS_IN_MEMORY):
        self.directory = os.path.join(os.fspath(data_dir), STATE_DIR_NAME)
        os.makedirs(self.directory, exist_ok=True)
        self.lock = lock
        self.delay = delay
        self.max_in_memory = max(1, int(max_in_memory))
        self.index = KeyIndex(os.path.join(self.directory, INDEX_NAME))
        self._dirty = set()
        self._writing = set()  # taken from _dirty, not written yet
        self._forgotten = set()  # deleted while a flush had taken them: it must not bring the file back
        self._resident = OrderedDict()  # accounts in memory, least recently used first
        self._wakeup = threading.Condition()
        self._stopped = False
        self._thread = None
        self._write_lock = threading.Lock()
        self._file_lock = threading.Lock()
        self._reconciled = threading.Event()
        self.loads = 0  # accounts read from disk since start (for benchmarks)
        self.evictions = 0

    def path(self, account_id):
        return os.path.join(self.directory, f"{account_id}{SUFFIX}")

    def open(self):
        """Serve accounts from this directory from now on; reads none of them yet."""
        accounts.attach_store(self)
        threading.Thread(target=self._reconcile, name="iamwizard-sandbox-index", daemon=True).start()
        self._start()

    # --- accounts in memory ---------------------------------------------------

    def bring_in(self, account_id):
        """Read a saved account into moto (hold the state lock); False when there is none."""
        if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
            return False
        try:
            with open(self.path(account_id), "rb") as handle:
                state = pickle.load(handle)
        except FileNotFoundError:
            return False
        except Exception:  # a corrupt file must not stop the sandbox
            log.exception("sandbox: cannot load account %s", account_id)
            return False
        if not isinstance(state, dict) or state.get("version") != FORMAT_VERSION or state.get("account_id") != account_id:
            log.error("sandbox: %s is not an account file of this version", self.path(account_id))
            return False
        accounts.install_account(account_id, state.get("iam"), state.get("sts"))
        self.loads += 1
        self.touch(account_id)
        return True

    def touch(self, account_id):
        resident = self._resident
        try:
            resident.move_to_end(account_id)
        except KeyError:
            resident[account_id] = None
            if len(resident) > self.max_in_memory:
                with self._wakeup:
                    self._wakeup.notify()

    def evict(self):
        """Drop the least recently used saved accounts beyond the bound; returns how many."""
        with self.lock:
            excess = len(self._resident) - self.max_in_memory
            if excess <= 0:
                return 0
            with self._wakeup:
                busy = self._dirty | self._writing
            victims = []
            for account_id in list(self._resident):
                if len(victims) >= excess:
                    break
                if account_id not in busy and account_id != accounts.DEFAULT_ACCOUNT_ID:
                    victims.append(account_id)
            for account_id in victims:
                accounts.drop_from_memory(account_id)
                self._resident.pop(account_id, None)
            self.evictions += len(victims)
            return len(victims)

    def in_memory_count(self):
        return len(self._resident)

    # --- lookups for accounts not in memory ---------------------------------

    def _lookup(self, find, name):
        found = find(name)
        if found is None and not self._reconciled.is_set():
            self._reconciled.wait(RECONCILE_WAIT_SECONDS)
            found = find(name)
        return found

    def account_of_key(self, key):
        return self._lookup(self.index.account_of_key, key)

    def account_of_alias(self, alias):
        return self._lookup(self.index.account_of_alias, alias)

    def saved_account_ids(self):
        return [name[:-len(SUFFIX)] for name in os.listdir(self.directory) if name.endswith(SUFFIX)]

    def forget(self, account_id):
        """Delete an account's file and index rows (hold the state lock); whether there was a file."""
        with self._wakeup:
            self._dirty.discard(account_id)
            self._resident.pop(account_id, None)
            if account_id in self._writing:  # taken by a flush under way: it must not write it
                self._forgotten.add(account_id)
        with self._file_lock:
            try:
                os.unlink(self.path(account_id))
                existed = True
            except FileNotFoundError:
                existed = False
            self.index.forget(account_id)
        return existed

    def _reconcile(self):
        """Index the account files the index has not seen in their current version."""
        try:
            recorded = self.index.recorded()
            seen = set()
            for name in os.listdir(self.directory):
                if not name.endswith(SUFFIX):
                    continue
                account_id = name[:-len(SUFFIX)]
                seen.add(account_id)
                try:
                    mtime_ns = os.stat(os.path.join(self.directory, name)).st_mtime_ns
                    if recorded.get(account_id) == mtime_ns:
                        continue
                    with open(os.path.join(self.directory, name), "rb") as handle:
                        keys, aliases = _names(pickle.load(handle))
                except Exception:
                    log.exception("sandbox: cannot index %s", name)
                    continue
                with self._file_lock:
                    if os.path.exists(os.path.join(self.directory, name)):  # not deleted meanwhile
                        self.index.record(account_id, keys, aliases, mtime_ns)
            for account_id in set(recorded) - seen:
                self.index.forget(account_id)
        except Exception:
            log.exception("sandbox: cannot check the account index")
        finally:
            self._reconciled.set()

    # --- writing ----------------------------------------------------------------

    def mark_dirty(self, account_id):
        if not account_id:
            return
        with self._wakeup:
            self._dirty.add(account_id)
            self._forgotten.discard(account_id)
            self._wakeup.notify()
        if self._thread is None:
            self._start()

    def _start(self):
        with self._wakeup:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="iamwizard-sandbox-persist", daemon=True)
                self._thread.start()

    def _run(self):
        while True:
            with self._wakeup:
                while not self._dirty and len(self._resident) <= self.max_in_memory and not self._stopped:
                    self._wakeup.wait()
                if self._stopped:
                    return
                if self._dirty:
                    # Debounce: let a burst of requests land before writing.
                    self._wakeup.wait(self.delay)
            try:
                self.flush()
                if self.evict() == 0 and len(self._resident) > self.max_in_memory:
                    with self._wakeup:  # everything over the bound is being written: wait for it
                        self._wakeup.wait(self.delay)
            except Exception:
                log.exception("sandbox: cannot save or drop accounts")

    def flush(self):
        """Write every dirty account now."""
        with self._write_lock:
            with self._wakeup:
                dirty, self._dirty = self._dirty, set()
                self._writing |= dirty
            try:
                for account_id in sorted(dirty):
                    with self.lock:
                        data = dumps_account(account_id)
                        keys, aliases = _names(accounts._memory_only_iam_backend(account_id))
                    if data is not None:
                        self._write(account_id, data, keys, aliases)
                    with self._wakeup:
                        self._writing.discard(account_id)
            finally:
                with self._wakeup:
                    self._writing -= dirty
                    self._forgotten -= dirty

    def _write(self, account_id, data, keys, aliases):
        # One writer at a time (flush holds _write_lock), so a fixed temporary name is enough.
        temp = os.path.join(self.directory, f".{account_id}.tmp")
        with self._file_lock:
            if account_id in self._forgotten:
                return
            try:
                with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
                    handle.write(data)
                os.replace(temp, self.path(account_id))
            except BaseException:
                if os.path.exists(temp):
                    os.unlink(temp)
                raise
            self.index.record(account_id, keys, aliases, os.stat(self.path(account_id)).st_mtime_ns)

    def close(self):
        with self._wakeup:
            self._stopped = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
