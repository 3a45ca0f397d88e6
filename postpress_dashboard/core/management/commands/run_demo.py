"""`make demo`: the sandbox API and the dashboard side by side, with demo logins printed."""

import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from postpress_dashboard.core.demo import DEMO_LOGINS, ensure_demo_logins, ensure_demo_teams


class Command(BaseCommand):
    help = "Start the sandbox API and the dashboard for a local demo."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8001)

    def handle(self, *args: Any, port: int, sandbox_port: int, **options: Any) -> None:
        # runserver exits the process outright when its port is taken, skipping the finally
        # below that stops the sandbox: so check first.
        if _port_in_use(port):
            raise CommandError(f"Port {port} is taken: pass another with DASHBOARD_PORT=...")
        ensure_demo_logins()
        ensure_demo_teams(f"http://127.0.0.1:{sandbox_port}/api/v1")
        # Stopped with SIGTERM, still run the finally below so the sandbox goes too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        sandbox = start_sandbox(sandbox_port)
        worker = start_worker()
        try:
            self.print_banner(port, sandbox_port)
            # --insecure: staticfiles serves our CSS and htmx even with DEBUG off.
            call_command(
                "runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True
            )
        finally:
            for process in (worker, sandbox):
                process.terminate()
                process.wait(timeout=10)

    def print_banner(self, port: int, sandbox_port: int) -> None:
        lines = [
            "",
            f"postpress dashboard: http://127.0.0.1:{port}/",
            f"sandbox API:         http://127.0.0.1:{sandbox_port}/api/v1",
            f"campaign worker:     {settings.TASKS_QUEUE} queue (manage.py campaign_worker)",
            "demo logins (teams: Demo team, Demo agency):",
            *(f"  {username} / {password}" for username, password, _ in DEMO_LOGINS),
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


def start_sandbox(port: int) -> subprocess.Popen[bytes]:
    if _port_in_use(port):
        raise CommandError(f"Port {port} is taken: pass another with SANDBOX_PORT=...")
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "run_sandbox"]
    process = subprocess.Popen([*command, "--port", str(port)])  # noqa: S603
    deadline = time.monotonic() + 15
    while not _port_in_use(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise CommandError("The sandbox API did not start; see its output above.")
        time.sleep(0.1)
    return process


def start_worker() -> subprocess.Popen[bytes]:
    """The campaigns' background worker, beside the dashboard (the database queue by default)."""
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "campaign_worker"]
    # A worker keeps its database connection between tasks (docs/deployment.md).
    environment = {"CONN_MAX_AGE": "600", **os.environ}
    return subprocess.Popen(command, env=environment)  # noqa: S603


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
