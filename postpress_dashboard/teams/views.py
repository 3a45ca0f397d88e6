"""Team settings (admins only) and switching the current team."""

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from postpress_dashboard.http import AuthenticatedRequest, TeamRequest, posted_next_url
from postpress_dashboard.teams import selectors, services
from postpress_dashboard.teams.access import team_admin_required
from postpress_dashboard.teams.forms import (
    ApiKeyForm,
    LinkedAccountForm,
    MemberAddForm,
    MemberRoleForm,
    TeamForm,
    TeamSwitchForm,
)
from postpress_dashboard.teams.middleware import SESSION_KEY
from postpress_dashboard.teams.models import Role

SETTINGS = "teams:settings"


def _render_settings(request: TeamRequest, status: int = 200, **forms: Any) -> HttpResponse:
    team = request.team
    context = {
        "team_form": TeamForm(initial={"name": team.name, "base_url": team.base_url}),
        "api_key_form": ApiKeyForm(),
        "member_add_form": MemberAddForm(),
        "accounts": selectors.team_accounts(team),
        "members": selectors.team_members(team),
        "activity": selectors.team_activity(team),
        "roles": Role.choices,
        **forms,
    }
    return render(request, "teams/settings.html", context, status=status)


@require_GET
@team_admin_required
def team_settings(request: TeamRequest) -> HttpResponse:
    return _render_settings(request)


@require_POST
@team_admin_required
def team_update(request: TeamRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, status=400, team_form=form)
    key_cleared = services.team_update(team=request.team, actor=request.user, **form.cleaned_data)
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
    form = ApiKeyForm(request.POST)
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
    form = LinkedAccountForm(request.POST or None)
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
    account = selectors.get_account_for_team(request.team, account_pk)
    form = LinkedAccountForm.for_account(account, data=request.POST or None)
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
    account = selectors.get_account_for_team(request.team, account_pk)
    active = request.POST.get("active") == "1"
    services.account_set_active(account=account, active=active, actor=request.user)
    messages.success(request, f"{'Reactivated' if active else 'Deactivated'} {account}.")
    return redirect(SETTINGS)


@require_POST
@team_admin_required
@vary_on_headers("HX-Request")
def account_test(request: TeamRequest, account_pk: int) -> HttpResponse:
    account = selectors.get_account_for_team(request.team, account_pk)
    report = services.account_test_connection(account=account)
    if request.htmx:
        context = {"account": account, "report": report}
        return render(request, "teams/settings.html#connection-result", context)
    (messages.success if report.ok else messages.error)(request, report.message)
    return redirect(SETTINGS)


@require_POST
@sensitive_post_parameters("password")
@team_admin_required
def member_add(request: TeamRequest) -> HttpResponse:
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, status=400, member_add_form=form)
    data = form.cleaned_data
    try:
        if data["create"]:
            services.member_create(
                team=request.team,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                actor=request.user,
            )
        else:
            services.member_add_by_username(
                team=request.team, username=data["username"], role=data["role"], actor=request.user
            )
    except services.TeamRuleError as rule:
        form.add_error("username", str(rule))
        return _render_settings(request, status=400, member_add_form=form)
    messages.success(request, f"Added {data['username']} to {request.team.name}.")
    return redirect(SETTINGS)


@require_POST
@team_admin_required
def member_role(request: TeamRequest, membership_pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_team(request.team, membership_pk)
    form = MemberRoleForm(request.POST)
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
    membership = selectors.get_membership_for_team(request.team, membership_pk)
    try:
        services.member_remove(membership=membership, actor=request.user)
    except services.TeamRuleError as rule:
        messages.error(request, str(rule))
    else:
        messages.success(request, f"Removed {membership.user.username} from {request.team.name}.")
    return redirect(SETTINGS)


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
