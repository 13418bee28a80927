#!/usr/bin/env python3
"""One-command set-up for IAM wizard, needing nothing but python3.

    python3 dev.py serve   # venv + install + migrate, then serve on http://127.0.0.1:8000
    python3 dev.py test    # venv + install (with test tools), then every test on SQLite, then on PostgreSQL

Extra arguments after `test` go to pytest (and then only the SQLite pass runs, unless
IAMWIZARD_TEST_DATABASES=sqlite,postgresql asks for both); after `serve`, to runserver.
"""
import hashlib
import os
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


def ensure_venv(requirements):
    if not PY.exists():
        run(sys.executable, "-m", "venv", VENV)
    digest = hashlib.sha256()
    for name in ("requirements.txt", requirements):
        digest.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{Path(requirements).stem}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", ROOT / requirements)
    stamp.write_text(digest.hexdigest())


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
    if command == "serve":
        ensure_venv("requirements.txt")
        run(PY, "manage.py", "migrate", "--noinput", "-v", "0")
        print("\nIAM wizard: open http://127.0.0.1:8000/ in your browser (Ctrl+C stops it).\n", flush=True)
        os.execv(str(PY), [str(PY), "manage.py", "runserver", "127.0.0.1:8000", *rest])
    elif command == "test":
        ensure_venv("requirements-test.txt")
        ensure_chromium()
        return run_tests(rest)
    else:
        print(__doc__)
        return 2


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
