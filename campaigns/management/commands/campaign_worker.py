"""`manage.py campaign_worker`: the worker for the configured queue (settings.TASKS_QUEUE).

On the database queue it is django-tasks-db's `db_worker`; on RQ, django-rq's `rqworker` with
the scheduler (scheduled steps) and the job class that runs Django tasks. Several may run, on
several machines: a campaign's steps are claimed under row locks (docs/campaigns.md).
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a worker for campaign tasks on the configured queue (TASKS_QUEUE)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Database queue: seconds between looks for due tasks.",
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        if settings.TASKS_QUEUE == "rq":
            call_command(
                "rqworker",
                "default",
                with_scheduler=True,
                job_class="django_tasks_rq.backend.Job",
            )
        else:
            call_command("db_worker", "--interval", str(interval), "--no-reload")
