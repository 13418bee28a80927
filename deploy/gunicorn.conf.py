"""gunicorn settings for IAM wizard with several workers.

    gunicorn -c deploy/gunicorn.conf.py iamwizard.wsgi

Every worker is a separate process: nothing a participant does may live only in one
worker's memory. Runs and steps are in PostgreSQL (DATABASE_URL), rate limits in Redis
(REDIS_URL), and every worker talks to the one standalone sandbox (IAMWIZARD_SANDBOX_URL,
started by `manage.py sandbox`), so a request can land on any worker. deploy/run.sh starts
all of it. Each setting can be overridden from the environment, as below.
"""
import gc
import multiprocessing
import os

bind = os.environ.get("IAMWIZARD_BIND", "127.0.0.1:8000")
# One worker per core, at least two; WEB_CONCURRENCY overrides. A gthread worker runs Python on
# one core at a time, so more workers than cores only add copies of per-process caches (and of
# each run's AssumeRole): on 2 cores, 2 workers x 8 threads held 200 participants with a lower
# p95 than 3 x 4 (scripts/bench_enrolment.py).
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
# Threads: a step waits on the sandbox or AWS for most of its time; threads keep the CPU busy meanwhile.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# A step makes a few AWS calls; botocore's standard retries may take a while on a throttled real account.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Each worker imports the app itself (no preload): no database connection is shared across a fork.
preload_app = False
# The access log names the worker (pid) that served each request; X-Request-Tag, when a client
# sends one, lets a test or a benchmark see which worker answered which of its requests.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# The request's path only (%(U)s), never its query string or the whole request line (%(r)s): a
# resume link carries its key in the query string (/resume/?key=...), and must never be logged.
access_log_format = '%(h)s pid=%(p)s tag=%({x-request-tag}i)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Behind a TLS-terminating proxy on the same host: trust its X-Forwarded-* headers from loopback only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "iamwizard"
# gunicorn's control socket (gunicornc) lives in the data folder: two deployments on one host never share it.
control_socket = os.path.join(os.environ.get("IAMWIZARD_DATA_DIR", "data"), "gunicorn.ctl")


def post_worker_init(worker):
    """Warm the worker up (templates, URL resolver, boto3 models) before it accepts requests,
    so that the first participants it serves do not wait for that."""
    from iamwizard.wizard.warmup import warm_up

    worker.log.info("worker %s warmed up: %s", worker.pid, warm_up())
    # What the worker loaded to get here (Django, templates, boto3's models: ~170,000 objects) stays
    # for its life: keep it out of the garbage collector's full passes, which otherwise walk it all,
    # 100-200 ms at a random request (the dashboard's refresh of 200 rows met one every few).
    gc.freeze()
