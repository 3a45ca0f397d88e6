import logging
import uuid

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns.services import campaigns_revive
from postpress_dashboard.core import selectors
from postpress_dashboard.core.login_limits import login_attempt_allowed, login_success_record
from postpress_dashboard.http import TeamRequest
from postpress_dashboard.teams.access import team_required
from postpress_dashboard.teams.selectors import get_account_for_team

HOME_TEMPLATE = "core/home.html"
WAITING_TEMPLATE = "core/home.html#inbox-waiting"

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Today at a glance: per linked account, its sends against the caps, its usage warning,
    its campaigns under way, and what needs a person. No API call: each account's waiting
    invitations load from `home_inbox_waiting`."""
    team = getattr(request, "team", None)
    if team is None:
        return render(request, HOME_TEMPLATE, {"glance": None})
    campaigns_revive(team=team)
    return render(request, HOME_TEMPLATE, {"glance": selectors.team_glance(team)})


@require_GET
@team_required
def home_inbox_waiting(request: TeamRequest, account_pk: int) -> HttpResponse:
    """A fragment for the home page: how many invitations wait in the account's inbox, from
    one list call for its first page (htmx loads it; without JavaScript the home links to the
    inbox instead)."""
    account = get_account_for_team(request.team, account_pk)
    if not account.is_active:
        raise Http404("This account is switched off.")
    waiting = selectors.inbox_waiting(account)
    return render(request, WAITING_TEMPLATE, {"account": account, "waiting": waiting})


@method_decorator(never_cache, name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's sign-in, within the login limits (core/login_limits.py): an address failing
    too often is refused; a username failing from many addresses has its password checked at
    most once per few seconds from addresses it never signed in from (earlier attempts are
    refused at once, in words)."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = request.POST.get("username", "")
        decision = login_attempt_allowed(request=request, username=username)
        if not decision:
            # An unbound form: validating one would check the password after all.
            form = self.get_form_class()(request, initial={"username": username})
            context = self.get_context_data(form=form, refusal=decision.refusal)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(decision.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        login_success_record(request=self.request, username=self.request.POST.get("username", ""))
        return super().form_valid(form)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database and the cache answer, 503 otherwise."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "unavailable" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.exception("health check: the database did not answer")
        return False


def _cache_ok() -> bool:
    probe = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(probe, "1", timeout=10)
        answered = cache.get(probe) == "1"
        cache.delete(probe)
    except Exception:  # every cache backend raises its own errors (Redis: ConnectionError...)
        logger.exception("health check: the cache did not answer")
        return False
    return answered
