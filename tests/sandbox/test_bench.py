"""The account-creation benchmark script runs and prints its numbers."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_script_prints_numbers():
    run = subprocess.run([sys.executable, "scripts/bench_sandbox_accounts.py", "-n", "3", "--baseline-n", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert re.search(r"sandbox: ready \(both\)\s+median\s+[\d.]+ ms\s+p95\s+[\d.]+ ms", run.stdout)
    assert re.search(r"plain moto: ready \(both\)\s+median\s+[\d.]+ ms", run.stdout)
    assert re.search(r"ratio plain/sandbox \(median ready\): [\d.]+x", run.stdout)
