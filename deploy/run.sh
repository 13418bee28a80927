#!/usr/bin/env bash
# Start IAM wizard for a large event: the standalone sandbox, then gunicorn with several workers,
# on PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). Ctrl+C (or SIGTERM) stops both.
#
#   DJANGO_SECRET_KEY=... ALLOWED_HOSTS=wizard.example.org deploy/run.sh
#
# Environment (defaults in brackets):
#   DATABASE_URL        [postgres://postgres@127.0.0.1:5432/iamwizard]  created when missing
#   REDIS_URL           [redis://127.0.0.1:6379/0]                      must answer PING
#   IAMWIZARD_DATA_DIR  [./data]           sandbox state, collected static files
#   IAMWIZARD_BIND      [127.0.0.1:8000]   where gunicorn listens (put a TLS proxy in front)
#   WEB_CONCURRENCY     [3]                gunicorn workers
#   SANDBOX_PORT        [5000]             the standalone sandbox (loopback only); IAMWIZARD_TARGET=aws skips it
#   SANDBOX_COUNT       [1]                sandbox processes (ports SANDBOX_PORT, +1, ...; 0 picks free ones): each
#                                          emulated account lives on one of them (deploy/README.md, "Several sandboxes")
#   IAMWIZARD_TRUSTED_PROXIES [0]          reverse proxies in front whose X-Forwarded-For is trusted (deploy/README.md)
#   IAMWIZARD_ENV       [production]       production needs DJANGO_SECRET_KEY and ALLOWED_HOSTS;
#                                          SECURE_SSL_REDIRECT=0 when no TLS proxy is in front (loopback tests)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export IAMWIZARD_ENV="${IAMWIZARD_ENV:-production}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/iamwizard}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export IAMWIZARD_DATA_DIR="${IAMWIZARD_DATA_DIR:-$PWD/data}"
export WEB_CONCURRENCY="${WEB_CONCURRENCY:-3}"
SANDBOX_PORT="${SANDBOX_PORT:-5000}"
SANDBOX_COUNT="${SANDBOX_COUNT:-1}"
case "$SANDBOX_COUNT" in ''|*[!0-9]*) echo "run.sh: SANDBOX_COUNT must be a whole number from 1 to 100" >&2; exit 2 ;; esac
if [ "$SANDBOX_COUNT" -lt 1 ] || [ "$SANDBOX_COUNT" -gt 100 ]; then echo "run.sh: SANDBOX_COUNT must be a whole number from 1 to 100" >&2; exit 2; fi
mkdir -p "$IAMWIZARD_DATA_DIR"

# PostgreSQL: create the database when it is missing; Redis: it must answer.
"$PY" - <<'PYEOF'
import os, sys
import dj_database_url, psycopg, redis
db = dj_database_url.parse(os.environ["DATABASE_URL"])
conninfo = dict(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None, password=db["PASSWORD"] or None)
with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in conninfo.items() if v}) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db["NAME"],)).fetchone():
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
        print(f"run.sh: created database {db['NAME']}", flush=True)
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()
except redis.RedisError as exc:
    sys.exit(f"run.sh: Redis at REDIS_URL does not answer ({exc}); start redis-server first.")
PYEOF

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0

children=()
stopping=""
stop() { stopping=1; trap - INT TERM EXIT; for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait; }
trap stop INT TERM EXIT

if [ "${IAMWIZARD_TARGET:-sandbox}" = "sandbox" ] && [ -z "${IAMWIZARD_SANDBOX_URL:-}" ]; then
  # Sandbox processes that every worker shares: the same emulated accounts whichever worker answers.
  # With several, each account lives on one of them (IAMWIZARD_SANDBOX_URL lists them all, in order;
  # the first keeps data/sandbox, so a deployment that grows from one to several moves no account).
  endpoints=""
  for i in $(seq 1 "$SANDBOX_COUNT"); do
    if [ "$i" -eq 1 ]; then suffix=""; else suffix="-$i"; fi
    port="$SANDBOX_PORT"
    [ "$SANDBOX_PORT" -ne 0 ] && port=$((SANDBOX_PORT + i - 1))
    log="$IAMWIZARD_DATA_DIR/sandbox$suffix.log"
    : > "$log"
    "$PY" manage.py sandbox --host 127.0.0.1 --port "$port" --data-dir "$IAMWIZARD_DATA_DIR/sandbox$suffix" >>"$log" 2>&1 &
    pid=$!
    children+=("$pid")
    endpoint=""
    for _ in $(seq 1 300); do
      endpoint=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -n1)
      [ -n "$endpoint" ] && break
      kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "run.sh: sandbox $i did not start" >&2; exit 1; }
      sleep 0.2
    done
    [ -n "$endpoint" ] || { echo "run.sh: sandbox $i did not start in time" >&2; exit 1; }
    echo "run.sh: sandbox listening on $endpoint" >&2
    endpoints="${endpoints:+$endpoints,}$endpoint"
  done
  export IAMWIZARD_SANDBOX_URL="$endpoints"
fi

sandboxes=("${children[@]}")
"$PY" -m gunicorn -c deploy/gunicorn.conf.py iamwizard.wsgi &
gunicorn_pid=$!
children+=("$gunicorn_pid")
if [ "${#sandboxes[@]}" -le 1 ]; then
  # Whichever child ends first (or a signal) stops the other.
  wait -n "${children[@]}" || true
else
  # Several sandboxes: one that ends fails only the runs whose accounts live on it; the app and the
  # other sandboxes carry on. gunicorn ending (or a signal) stops everything.
  reported=" "
  while [ -z "$stopping" ] && kill -0 "$gunicorn_pid" 2>/dev/null; do
    wait -n || true
    [ -n "$stopping" ] && break
    for i in "${!sandboxes[@]}"; do
      pid="${sandboxes[$i]}"
      if ! kill -0 "$pid" 2>/dev/null && [ "${reported#* $pid }" = "$reported" ]; then
        echo "run.sh: sandbox $((i + 1)) stopped: its runs see an error until it is started again" >&2
        reported="$reported$pid "
      fi
    done
  done
fi
