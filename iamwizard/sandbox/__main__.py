"""Run the sandbox standalone: python -m iamwizard.sandbox --port N --data-dir D"""
import argparse
import signal
import sys

from .numbers import lag_ms_argument, latency_ms_argument, port_argument
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
    args = parser.parse_args(argv)

    def stop(signum, frame):
        raise SystemExit(0)  # unwinds serve_forever, whose finally writes the state

    signal.signal(signal.SIGTERM, stop)

    def ready(endpoint):
        print(f"Sandbox listening on {endpoint}", flush=True)

    try:
        serve_forever(args.host, args.port, args.data_dir, on_ready=ready, latency_ms=args.latency_ms, lag_ms=args.consistency_lag_ms)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
