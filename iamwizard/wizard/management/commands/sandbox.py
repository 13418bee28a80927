"""`manage.py sandbox --port N`: run the AWS sandbox as its own process.

Point several app workers at it with IAMWIZARD_SANDBOX_URL, or the AWS CLI with
`--endpoint-url` (the printed credentials only open this local emulator).
"""
from django.conf import settings
from django.core.management.base import BaseCommand

from iamwizard.sandbox import accounts_in_memory_argument, lag_ms_argument, latency_ms_argument, port_argument


class Command(BaseCommand):
    help = "Run the AWS sandbox (moto's server, made to answer like AWS) as a standalone process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_argument, default=5000, help="0 picks a free port")
        parser.add_argument("--data-dir", default=str(settings.DATA_DIR / "sandbox"))
        parser.add_argument("--latency-ms", type=latency_ms_argument, default=0, metavar="0-10000",
                            help="add this many milliseconds to every answer, as AWS takes (default 0); "
                                 "also settable while running: POST ms=N to /_sandbox/latency")
        parser.add_argument("--consistency-lag-ms", type=lag_ms_argument, default=0, metavar="0-60000",
                            help="what a write makes (a user, a group membership...) shows in reads only this many "
                                 "milliseconds later, and writes that depend on it answer NoSuchEntity meanwhile, "
                                 "as IAM's eventual consistency does (default 0); also settable while running: "
                                 "POST ms=N to /_sandbox/lag")
        parser.add_argument("--accounts-in-memory", type=accounts_in_memory_argument, metavar="N",
                            default=settings.IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY,
                            help="emulated accounts kept in memory; the others wait on disk and are read "
                                 "on first use (default: IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY, else 200)")

    def handle(self, host, port, data_dir, latency_ms, consistency_lag_ms, accounts_in_memory, **options):
        from iamwizard.sandbox import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, serve_forever

        def ready(endpoint):
            self.stdout.write(f"Sandbox listening on {endpoint}")
            self.stdout.write(f"  AWS CLI: AWS_ACCESS_KEY_ID={SANDBOX_ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SANDBOX_SECRET_KEY} aws --endpoint-url {endpoint} --region us-east-1 iam list-users")
            self.stdout.flush()

        serve_forever(host, port, data_dir, on_ready=ready, latency_ms=latency_ms, accounts_in_memory=accounts_in_memory,
                      lag_ms=consistency_lag_ms)
