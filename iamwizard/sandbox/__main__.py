"""Run the sandbox standalone: python -m iamwizard.sandbox --port N --data-dir D"""
import argparse
import signal
import sys

from .numbers import (ACCOUNTS_IN_MEMORY_ENV, accounts_in_memory_argument, accounts_in_memory_from_env, lag_ms_argument,
                      latency_ms_argument, port_argument)
from .server import serve_forever


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m iamwizard.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_argument, default=0, help="0 picks a free port")
    parser.add_argument("--data-dir", default=None, help="directory where the sandbox state persists")
    parser.add_argument("--latency-ms", type=latency_ms_argument, default=0, metavar="0-10000",
                        help="add this many milliseconds to every answer, as AWS takes (default 0)")
    parser.add_argument("--consistency-lag-ms", type=lag_ms_argument, default=0, metavar="0-60000",
                        help="what a write makes shows in reads only this many milliseconds later, as IAM's "
                             "eventual consistency does (default 0)")
    parser.add_argument("--accounts-in-memory", type=accounts_in_memory_argument, default=None, metavar="N",
                        help=f"emulated accounts kept in memory, the others wait on disk (default: {ACCOUNTS_IN_MEMORY_ENV}, else 200)")
    args = parser.parse_args(argv)
    if args.accounts_in_memory is None:
        try:
            args.accounts_in_memory = accounts_in_memory_from_env()
        except ValueError as error:
            parser.error(str(error))

    def stop(signum, frame):
        raise SystemExit(0)  # unwinds serve_forever, whose finally writes the state

    signal.signal(signal.SIGTERM, stop)

    def ready(endpoint):
        print(f"Sandbox listening on {endpoint}", flush=True)

    try:
        serve_forever(args.host, args.port, args.data_dir, on_ready=ready, latency_ms=args.latency_ms,
                      accounts_in_memory=args.accounts_in_memory, lag_ms=args.consistency_lag_ms)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
