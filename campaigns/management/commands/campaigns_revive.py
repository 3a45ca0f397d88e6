"""`manage.py campaigns_revive`: give a fresh step to running campaigns whose next step is
overdue (its task was lost: a worker killed between claiming and committing, a queue flushed,
RQ's scheduler lock held by a dead worker). Pages do this for their team when loaded; run
this every minute from cron or a timer where campaigns must go on with nobody looking."""

from typing import Any

from django.core.management.base import BaseCommand

from campaigns.services import campaigns_revive
from postpress_dashboard.teams.models import Team


class Command(BaseCommand):
    help = "Reschedule running campaigns whose next step is overdue."

    def handle(self, *args: Any, **options: Any) -> None:
        revived = sum(campaigns_revive(team=team) for team in Team.objects.all())
        self.stdout.write(f"{revived} campaign{'s' if revived != 1 else ''} rescheduled.")
