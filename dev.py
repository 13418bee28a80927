#!/usr/bin/env python3
"""One-command set-up for IAM wizard, needing nothing but python3.

    python3 dev.py serve   # venv + install + migrate, then serve on http://127.0.0.1:8000
    python3 dev.py serve 8123             # another port; also 127.0.0.1:8123 or --port 8123
    python3 dev.py test    # venv + install (with test tools), then every test on SQLite, then on PostgreSQL

Extra arguments after `test` go to pytest (and then only the SQLite pass runs, unless
IAMWIZARD_TEST_DATABASES=sqlite,postgresql asks for both); after `serve`, other options go to
runserver (e.g. --noreload). It serves on this machine only (127.0.0.1).
"""
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
# The PostgreSQL pass: the local server (trust auth); pytest-django creates and drops test_<name>.
TEST_PG_SERVER = os.environ.get("IAMWIZARD_TEST_PG", "postgres://postgres@127.0.0.1:5432")
# Folders whose tests touch no database, or pick their database themselves: the PostgreSQL pass skips them.
NOT_ON_POSTGRES = ["tests/core", "tests/sandbox", "tests/deploy", "tests/wizard/test_serve.py"]


def run(*cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


NO_VENV = """Python cannot create the virtual environment here: its `ensurepip` module is missing.
On Debian and Ubuntu it comes with the python3-venv package:

    sudo apt-get install python3-venv

then run this command again."""


class SetUpError(Exception):
    """A set-up step that cannot go on; the message says what to do."""


class UsageError(SetUpError):
    """Arguments dev.py cannot take."""


def create_venv():
    # Debian's python3 lacks ensurepip until python3-venv is installed; `python -m venv` would then
    # fail half-way and leave a .venv without pip behind.
    if importlib.util.find_spec("ensurepip") is None:
        raise SetUpError(NO_VENV)
    try:
        run(sys.executable, "-m", "venv", VENV)
    except subprocess.CalledProcessError:
        raise SetUpError(f"`{sys.executable} -m venv {VENV}` failed (see above). Delete {VENV} and try again.") from None


def _stamp(requirements):
    """Where the venv notes what it has installed, and the digest of the requirement files that says so."""
    digest = hashlib.sha256()
    for name in ("requirements.txt", requirements):
        digest.update((ROOT / name).read_bytes())
    return VENV / f".installed-{Path(requirements).stem}", digest.hexdigest()


def _installed(requirements):
    stamp, digest = _stamp(requirements)
    return stamp.exists() and stamp.read_text() == digest


def ensure_venv(requirements):
    if not PY.exists():
        create_venv()
    # requirements-test.txt includes requirements.txt: a venv set up for the tests can also serve.
    if _installed(requirements) or (requirements == "requirements.txt" and _installed("requirements-test.txt")):
        return
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", ROOT / requirements)
    stamp, digest = _stamp(requirements)
    stamp.write_text(digest)


LOOPBACK = ("127.0.0.1", "localhost")


def serve_arguments(args):
    """The port to serve on, from `PORT`, `127.0.0.1:PORT` or `--port PORT` (default 8000), and the
    other arguments, which go to runserver. UsageError says what is wrong."""
    port, rest = None, []
    items = iter(args)
    for arg in items:
        if arg == "--port":
            value = next(items, "")
        elif arg.startswith("--port="):
            value = arg.partition("=")[2]
        elif not arg.startswith("-"):
            value = arg
        else:
            rest.append(arg)
            continue
        if port is not None:
            raise UsageError(f"Give the port once: {' '.join(args)}")
        port = _port(value)
    return port or 8000, rest


def _port(value):
    host, colon, number = value.rpartition(":")
    if colon and host not in LOOPBACK:
        raise UsageError(f"{value}: dev.py serves on this machine only, at 127.0.0.1:PORT. "
                         "To serve others, see \"Deploy with several workers\" in README.md.")
    if not re.fullmatch(r"[0-9]{1,5}", number) or not 1 <= int(number) <= 65535:  # [0-9]: ASCII digits only
        raise UsageError(f"{value!r} is not a port: give a number from 1 to 65535, e.g. python3 dev.py serve 8123")
    return int(number)


def ensure_chromium():
    """Browser tests drive Debian's Chromium; install it when we may (root) and it is missing."""
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "chromium")
    else:
        print("Chromium is missing: install Debian's `chromium` package for the browser tests.", flush=True)


def main(argv):
    command, rest = (argv[0], argv[1:]) if argv else ("serve", [])
    try:
        if command == "serve":
            port, runserver_options = serve_arguments(rest)
            ensure_venv("requirements.txt")
            run(PY, "manage.py", "migrate", "--noinput", "-v", "0")
            run(PY, "manage.py", "compile_catalogues")  # the translations (pure Python: no msgfmt needed)
            print(f"\nIAM wizard: open http://127.0.0.1:{port}/ in your browser (Ctrl+C stops it).\n", flush=True)
            os.execv(str(PY), [str(PY), "manage.py", "runserver", f"127.0.0.1:{port}", *runserver_options])
        elif command == "test":
            ensure_venv("requirements-test.txt")
            ensure_chromium()
            run(PY, "manage.py", "compile_catalogues")  # the translations the tests read in Spanish and Japanese
            return run_tests(rest)
        else:
            print(__doc__)
            return 2
    except SetUpError as exc:
        print(f"dev.py: {exc}", file=sys.stderr, flush=True)
        return 2 if isinstance(exc, UsageError) else 1


def postgres_reachable():
    probe = "import psycopg, sys; psycopg.connect(sys.argv[1] + '/postgres', connect_timeout=3).close()"
    return subprocess.run([str(PY), "-c", probe, TEST_PG_SERVER], cwd=ROOT, capture_output=True).returncode == 0


def run_tests(args):
    """Every test on SQLite, then the database-backed ones again on PostgreSQL (one database per run)."""
    wanted = os.environ.get("IAMWIZARD_TEST_DATABASES", "sqlite" if args else "sqlite,postgresql").split(",")
    failed = False
    if "sqlite" in wanted:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        print("\n=== tests on SQLite ===", flush=True)
        failed |= subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env).returncode != 0
    if "postgresql" in wanted:
        if not postgres_reachable():
            print(f"PostgreSQL is not reachable at {TEST_PG_SERVER}: start it (or set IAMWIZARD_TEST_PG) for the PostgreSQL pass.", flush=True)
            return 1
        env = {**os.environ, "DATABASE_URL": f"{TEST_PG_SERVER}/iamwizard_suite_{os.getpid()}"}
        ignore = [f"--ignore={path}" for path in NOT_ON_POSTGRES]
        print(f"\n=== tests on PostgreSQL ({env['DATABASE_URL']}) ===", flush=True)
        failed |= subprocess.run([str(PY), "-m", "pytest", "--create-db", *ignore, *args], cwd=ROOT, env=env).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
