"""python manage.py run_sandbox: serve the postpress-compatible sandbox API until Ctrl-C."""

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from postpress_dashboard.sandbox.app import SandboxApp
from postpress_dashboard.sandbox.seed import LINKEDIN_INVITATION_COUNT
from postpress_dashboard.sandbox.server import serve_sandbox
from postpress_dashboard.sandbox.state import DEFAULT_INVITATION_LIMIT, SandboxState


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return number


class Command(BaseCommand):
    help = "Serve the local postpress-compatible sandbox API (seeded demo data) until Ctrl-C."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=non_negative_int, default=8001)
        parser.add_argument(
            "--latency-ms",
            type=non_negative_int,
            default=0,
            help="A fixed delay added to every response, to see the dashboard's loading states.",
        )
        parser.add_argument(
            "--invitation-limit",
            type=non_negative_int,
            default=DEFAULT_INVITATION_LIMIT,
            help="How many invitations each account may send before errors/limit_exceeded.",
        )
        parser.add_argument(
            "--linkedin-invitations",
            type=non_negative_int,
            default=LINKEDIN_INVITATION_COUNT,
            help="How many received invitations the LinkedIn account starts with (load tests).",
        )
        parser.add_argument(
            "--api-key", help="The X-API-KEY to accept (default: settings.SANDBOX_API_KEY)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        api_key = options["api_key"] or settings.SANDBOX_API_KEY
        state = SandboxState(
            invitation_limit=options["invitation_limit"],
            linkedin_invitations=options["linkedin_invitations"],
        )
        app = SandboxApp(state, api_key, latency_ms=options["latency_ms"])

        def announce(base_url: str) -> None:
            self.stdout.write(f"postpress sandbox API at {base_url}")
            self.stdout.write(f"API key: {api_key}")
            self.stdout.write("Quit with CONTROL-C.")
            self.stdout.flush()  # whoever started us may be waiting for the URL on a pipe

        try:
            serve_sandbox(options["host"], options["port"], app, on_ready=announce)
        except KeyboardInterrupt:
            self.stdout.write("Sandbox stopped.")
        except OSError as error:  # typically the port is taken
            raise CommandError(
                f"Cannot serve on {options['host']}:{options['port']}: {error}"
            ) from error
