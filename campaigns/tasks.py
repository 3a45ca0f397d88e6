"""Campaign work for the task queue (Django's tasks framework; TASKS_QUEUE picks the backend).

Thin on purpose: each task loads state by id and calls a service. A step is safe to run twice
or late: it does something only while its ticket is the campaign's (campaigns/services.py).
"""

from django.tasks import task

from campaigns.services import campaign_step_run


@task
def campaign_step(campaign_id: int, ticket: str) -> None:
    """Send to the campaign's next recipient, or wait, skip or finish, as its pacing says."""
    campaign_step_run(campaign_id=campaign_id, ticket=ticket)
