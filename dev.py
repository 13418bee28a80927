#!/usr/bin/env python3
"""One-command set-up for IAM wizard, needing nothing but python3.

    python3 dev.py serve   # venv + install + migrate, then serve on http://127.0.0.1:8000
    python3 dev.py test    # venv + install (with test tools) + migrate, then run every test

Extra arguments after `test` go to pytest; after `serve`, to runserver.
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
        os.execv(str(PY), [str(PY), "-m", "pytest", *rest])
    else:
        print(__doc__)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
