"""Team settings (admins only), invite links and joining a team, and switching the current team.

Every settings form carries the team it was shown for (forms.TeamBoundForm): one posted for
another team than the current one is refused, in words, and changes nothing.
"""

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from postpress_dashboard.core.login_limits import sign_up_attempt_allowed, sign_up_success_record
from postpress_dashboard.http import AuthenticatedRequest, TeamRequest, posted_next_url
from postpress_dashboard.teams import selectors, services
from postpress_dashboard.teams.access import team_admin_required
from postpress_dashboard.teams.forms import (
    ApiKeyForm,
    InviteForm,
    JoinSignUpForm,
    LinkedAccountForm,
    MemberRoleForm,
    TeamBoundForm,
    TeamForm,
    TeamSwitchForm,
)
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import Role

SETTINGS = "teams:settings"
JOIN_PAGE = "teams/join.html"


def _bound(request: TeamRequest) -> dict[str, Any]:
    """What a settings form needs to know which team it is for: the current one, and the
    user's teams (to name the one a stale page was for)."""
    return {"team": request.team, "memberships": request.memberships}


def _render_settings(request: TeamRequest, status: int = 200, **forms: Any) -> HttpResponse:
    team = request.team
    context = {
        "team_form": TeamForm(
            initial={"name": team.name, "base_url": team.base_url}, **_bound(request)
        ),
        "api_key_form": ApiKeyForm(**_bound(request)),
        "invite_form": InviteForm(**_bound(request)),
        "accounts": selectors.team_accounts(team),
        "members": selectors.team_members(team),
        "invites": selectors.team_pending_invites(team),
        "taken_usernames_per_invite": services.TAKEN_USERNAMES_PER_INVITE,
        "activity": selectors.team_activity(team),
        "roles": Role.choices,
        **forms,
    }
    return render(request, "teams/settings.html", context, status=status)


def _stale_refusal(request: TeamRequest, *, own_team: bool = False) -> str:
    """Words when a button's form (no typed input) was shown for another team; else "".

    With `own_team`, only for a page of another of the user's teams: asked before an object
    is looked up, so a stale tab is told why, while another team's object stays a 404.
    """
    form = TeamBoundForm(request.POST, **_bound(request))
    if form.is_valid() or (own_team and not form.stale_for_own_team):
        return ""
    return " ".join(form.non_field_errors())


def _refuse_stale(request: TeamRequest, refusal: str) -> HttpResponse:
    messages.error(request, refusal)
    return redirect(SETTINGS)


@require_GET
@team_admin_required
def team_settings(request: TeamRequest) -> HttpResponse:
    return _render_settings(request)


@require_POST
@team_admin_required
def team_update(request: TeamRequest) -> HttpResponse:
    form = TeamForm(request.POST, **_bound(request))
    if not form.is_valid():
        return _render_settings(request, status=400, team_form=form)
    key_cleared = services.team_update(
        team=request.team,
        name=form.cleaned_data["name"],
        base_url=form.cleaned_data["base_url"],
        actor=request.user,
    )
    messages.success(request, "Team details saved.")
    if key_cleared:
        messages.warning(
            request, "The base URL changed, so the API key was cleared: enter it again below."
        )
    return redirect(SETTINGS)


@require_POST
@sensitive_post_parameters("api_key")
@team_admin_required
def api_key_update(request: TeamRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST, **_bound(request))
    if not form.is_valid():
        return _render_settings(request, status=400, api_key_form=form)
    services.team_set_api_key(
        team=request.team, api_key=form.cleaned_data["api_key"], actor=request.user
    )
    messages.success(request, f"API key saved: it ends in {request.team.api_key_last4}.")
    return redirect(SETTINGS)


@require_http_methods(["GET", "POST"])
@team_admin_required
def account_create(request: TeamRequest) -> HttpResponse:
    form = LinkedAccountForm(request.POST or None, **_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_add(
                team=request.team, fields=form.account_fields(), actor=request.user
            )
        except services.TeamRuleError as rule:
            form.add_error("account_id", str(rule))
        else:
            messages.success(request, f"Linked {account}.")
            return redirect(SETTINGS)
    status = 400 if form.is_bound else 200
    return render(request, "teams/account_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@team_admin_required
def account_edit(request: TeamRequest, account_pk: int) -> HttpResponse:
    form = LinkedAccountForm(request.POST or None, **_bound(request))
    if request.method == "POST" and not form.is_valid() and form.stale_for_own_team:
        # Before looking the account up: it belongs to the team the page was for.
        context = {"form": form, "stale_edit": True}
        return render(request, "teams/account_form.html", context, status=400)
    account = selectors.get_account_for_team(request.team, account_pk)
    form = LinkedAccountForm.for_account(account, data=request.POST or None, **_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(
                account=account, fields=form.account_fields(), actor=request.user
            )
        except services.TeamRuleError as rule:
            form.add_error("account_id", str(rule))
        else:
            messages.success(request, f"Saved {account}.")
            return redirect(SETTINGS)
    context = {"form": form, "account": account}
    return render(request, "teams/account_form.html", context, status=400 if form.is_bound else 200)


@require_POST
@team_admin_required
def account_set_active(request: TeamRequest, account_pk: int) -> HttpResponse:
    if refusal := _stale_refusal(request, own_team=True):
        return _refuse_stale(request, refusal)
    account = selectors.get_account_for_team(request.team, account_pk)
    if refusal := _stale_refusal(request):
        return _refuse_stale(request, refusal)
    active = request.POST.get("active") == "1"
    services.account_set_active(account=account, active=active, actor=request.user)
    messages.success(request, f"{'Reactivated' if active else 'Deactivated'} {account}.")
    return redirect(SETTINGS)


@require_POST
@team_admin_required
@vary_on_headers("HX-Request")
def account_test(request: TeamRequest, account_pk: int) -> HttpResponse:
    refusal = _stale_refusal(request, own_team=True)
    if not refusal:
        account = selectors.get_account_for_team(request.team, account_pk)
        refusal = _stale_refusal(request)
    if refusal:
        if request.htmx:
            context = {"report": services.ConnectionReport(False, refusal)}
            return render(request, "teams/settings.html#connection-result", context)
        return _refuse_stale(request, refusal)
    report = services.account_test_connection(account=account)
    if request.htmx:
        context = {"account": account, "report": report}
        return render(request, "teams/settings.html#connection-result", context)
    (messages.success if report.ok else messages.error)(request, report.message)
    return redirect(SETTINGS)


@require_POST
@team_admin_required
def member_role(request: TeamRequest, membership_pk: int) -> HttpResponse:
    form = MemberRoleForm(request.POST, **_bound(request))
    if not form.is_valid() and form.stale_for_own_team:
        return _refuse_stale(request, " ".join(form.non_field_errors()))
    membership = selectors.get_membership_for_team(request.team, membership_pk)
    if form.stale:
        return _refuse_stale(request, " ".join(form.non_field_errors()))
    if form.is_valid():
        try:
            services.member_set_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except services.TeamRuleError as rule:
            messages.error(request, str(rule))
        else:
            messages.success(request, f"{membership.user.username} is now {membership.role}.")
    else:
        messages.error(request, "Choose admin or member.")
    return redirect(SETTINGS)


@require_POST
@team_admin_required
def member_remove(request: TeamRequest, membership_pk: int) -> HttpResponse:
    if refusal := _stale_refusal(request, own_team=True):
        return _refuse_stale(request, refusal)
    membership = selectors.get_membership_for_team(request.team, membership_pk)
    if refusal := _stale_refusal(request):
        return _refuse_stale(request, refusal)
    try:
        services.member_remove(membership=membership, actor=request.user)
    except services.TeamRuleError as rule:
        messages.error(request, str(rule))
    else:
        messages.success(request, f"Removed {membership.user.username} from {request.team.name}.")
    return redirect(SETTINGS)


# --- invite links --------------------------------------------------------------------------


@require_POST
@team_admin_required
def invite_create(request: TeamRequest) -> HttpResponse:
    """A new invite link, shown once: only its hash is kept."""
    form = InviteForm(request.POST, **_bound(request))
    if not form.is_valid():
        return _render_settings(request, status=400, invite_form=form)
    invite, token = services.invite_create(
        team=request.team,
        role=form.cleaned_data["role"],
        note=form.cleaned_data["note"].strip(),
        actor=request.user,
    )
    link = request.build_absolute_uri(reverse("teams:join", kwargs={"token": token}))
    context = {"invite": invite, "link": link}
    return render(request, "teams/invite_created.html", context)


@require_POST
@team_admin_required
def invite_revoke(request: TeamRequest, invite_pk: int) -> HttpResponse:
    if refusal := _stale_refusal(request, own_team=True):
        return _refuse_stale(request, refusal)
    invite = selectors.get_invite_for_team(request.team, invite_pk)
    if refusal := _stale_refusal(request):
        return _refuse_stale(request, refusal)
    try:
        services.invite_revoke(invite=invite, actor=request.user)
    except services.TeamRuleError as rule:
        messages.error(request, str(rule))
    else:
        messages.success(request, "Invite link revoked: it can no longer be used.")
    return redirect(SETTINGS)


# --- joining a team through a link ---------------------------------------------------------


def _render_join(
    request: HttpRequest, token: str, status: int = 200, **context: Any
) -> HttpResponse:
    invite = selectors.pending_invite_by_token(token)
    if invite is None:
        context.setdefault("unusable", str(services.InviteUnusable()))
        return render(request, JOIN_PAGE, context, status=404)
    user = request.user
    already = user.is_authenticated and any(
        m.team_id == invite.team_id for m in getattr(request, "memberships", [])
    )
    join_url = reverse("teams:join", kwargs={"token": token})
    context = {
        "invite": invite,
        "already_member": already,
        "join_url": join_url,
        "sign_up_url": reverse("teams:join_sign_up", kwargs={"token": token}),
        "login_url": f"{reverse('login')}?{urlencode({'next': join_url})}",
        "sign_up_form": JoinSignUpForm(),
        **context,
    }
    return render(request, JOIN_PAGE, context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """An invite link: shows the team and role; a signed-in user accepts it with a POST."""
    if request.method == "GET":
        return _render_join(request, token)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
    try:
        membership = services.invite_accept(token=token, user=request.user)  # type: ignore[arg-type]
    except services.TeamRuleError as rule:
        status = 404 if isinstance(rule, services.InviteUnusable) else 400
        return _render_join(request, token, status=status, refusal=str(rule))
    return _joined(request, membership)


@login_not_required
@never_cache
@require_POST
@sensitive_post_parameters("password1", "password2")
def join_sign_up(request: HttpRequest, token: str) -> HttpResponse:
    """Someone without an account makes one through the link, joins, and is signed in."""
    if request.user.is_authenticated:
        return redirect("teams:join", token=token)  # signed in: accept on the join page
    decision = sign_up_attempt_allowed(request=request)
    if not decision:
        # Counted with failed sign-ins from the address (core/login_limits.py): refused
        # before anything is looked up, with the username typed kept, never the password.
        typed = JoinSignUpForm(initial={"username": request.POST.get("username", "")[:150]})
        refused = _render_join(
            request, token, status=429, sign_up_form=typed, refusal=decision.refusal
        )
        if refused.status_code == 429:
            refused["Retry-After"] = str(decision.retry_after)
        return refused
    form = JoinSignUpForm(request.POST)
    if not form.is_valid():
        return _render_join(request, token, status=400, sign_up_form=form)
    try:
        user = services.invite_sign_up(
            token=token,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
    except services.InviteUnusable as unusable:
        return _render_join(request, token, status=404, unusable=str(unusable))
    except services.TeamRuleError as rule:
        form.add_error("username", str(rule))
        return _render_join(request, token, status=400, sign_up_form=form)
    sign_up_success_record(request=request)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    membership = user.memberships.select_related("team").get()
    return _joined(request, membership)


def _joined(request: HttpRequest, membership: Any) -> HttpResponse:
    request.session[SESSION_KEY] = membership.team_id
    role = membership.get_role_display().lower()
    messages.success(request, f"You joined {membership.team.name} as {role}.")
    return redirect("home")


@require_POST
def team_switch(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamSwitchForm(request.POST)
    chosen = next(
        (
            m
            for m in request.memberships
            if form.is_valid() and m.team.slug == form.cleaned_data["team"]
        ),
        None,
    )
    if chosen is None:
        messages.error(request, "You are not a member of that team.")
    else:
        request.session[SESSION_KEY] = chosen.team_id
        messages.success(request, f"Switched to {chosen.team.name}.")
    return redirect(_same_page_in_any_team(posted_next_url(request, reverse("home"))))


def _same_page_in_any_team(next_url: str) -> str:
    """The page the switch was made from, without what belonged to the old team.

    Its query (an account of the old team) is dropped, and a page about one object of the
    old team gives way to the home page.
    """
    home = reverse("home")
    path = urlsplit(next_url).path
    try:
        match = resolve(path)
    except Resolver404:
        return home
    return home if match.kwargs else path
