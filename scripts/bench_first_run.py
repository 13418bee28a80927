"""How long does a newcomer wait, on a fresh clone, from `python3 dev.py serve` to the first page?

Clones this repository (its committed HEAD, or --ref) into a temporary folder, runs
`python3 dev.py serve PORT` there (a new .venv: pip installs requirements.txt, then migrate, then
runserver with the embedded sandbox), and polls http://127.0.0.1:PORT/ until it answers 200.
Prints the seconds to the first page, the seconds spent until the venv was ready (pip), and the
size of the new .venv, then stops the server and removes the clone.

pip's download cache is whatever this machine has (say which when quoting the figure): add
--no-pip-cache to give pip an empty cache of its own (PIP_NO_CACHE_DIR=1), as a first machine would.

    python3 scripts/bench_first_run.py [--ref HEAD] [--no-pip-cache] [--keep]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def folder_mb(path: Path) -> float:
    total = 0
    for base, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
    return total / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="HEAD", help="the commit to clone (default HEAD)")
    parser.add_argument("--no-pip-cache", action="store_true", help="pip without its download cache")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the clone (and its .venv) afterwards")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="iamwizard-first-run-"))
    clone = work / "iamwizard"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", args.ref], check=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "DATABASE_URL", "REDIS_URL", "IAMWIZARD_SANDBOX_URL", "IAMWIZARD_DATA_DIR")}
    if args.no_pip_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    log = open(work / "serve.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "dev.py", "serve", str(port), "--noreload"], cwd=clone, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    venv_ready = first_page = None
    stamp = clone / ".venv" / ".installed-requirements"
    try:
        while time.monotonic() - started < args.timeout:
            if venv_ready is None and stamp.exists():
                venv_ready = time.monotonic() - started
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200 and b"<h1>" in answer.read():
                        first_page = time.monotonic() - started
                        break
            except OSError:
                time.sleep(0.2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    result = {
        "ref": subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
        "first_page_seconds": None if first_page is None else round(first_page, 1),
        "venv_ready_seconds": None if venv_ready is None else round(venv_ready, 1),
        "venv_mb": round(folder_mb(clone / ".venv")),
        "pip_cache": "none (PIP_NO_CACHE_DIR=1)" if args.no_pip_cache else "this machine's",
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, indent=2))
    if first_page is None:
        print((work / "serve.log").read_text()[-3000:], file=sys.stderr)
    if args.keep:
        print(f"kept: {clone}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if first_page is not None else 1


if __name__ == "__main__":
    sys.exit(main())
