"""Sending invitations, and the sent list with withdrawing.

The nav link "Send invitation" leads to `invitation_send` (services.invitation_send), "Sent
invitations" to `sent_list` (selectors.sent_invitations) whose Withdraw buttons post to
`invitation_withdraw` and `invitations_bulk_withdraw` (services.invitation_withdraw). The
team's Activity page is activity.views.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from invitations import selectors, services
from invitations.bulk import Stopped
from invitations.forms import (
    FIELD_FOR_SEND_ERROR,
    BulkWithdrawForm,
    InvitationSendForm,
    SentFilterForm,
)
from invitations.models import SentInvitation, SentStatus
from invitations.rules import (
    INVITING_PROVIDERS,
    MESSAGE_LIMIT,
    NOT_INVITING,
    message_length,
    sends_invitations,
    withdraws_by_provider_id,
)
from postpress_dashboard.http import TeamRequest, posted_next_url
from postpress_dashboard.postpress.catalogue import (
    RESOLVE_IN_SENT,
    message_for,
    unconfirmed_message,
)
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.teams.access import team_required
from postpress_dashboard.teams.models import ApiKeyUnavailable, LinkedAccount, Team
from postpress_dashboard.teams.selectors import (
    get_account_for_team,
    team_accounts,
    team_active_accounts,
)
from postpress_dashboard.teams.services import api_key_problem

SENT_PAGE_SIZE = 25
ACTIVITY_PAGE_SIZE = 25
WITHDRAW_WARNING = (
    "Withdrawing cannot be undone, and LinkedIn may block re-inviting the same person for up "
    "to 3 weeks."
)
# The catalogue's words for a withdraw postpress answers 404: nothing left to withdraw.
GONE = message_for("errors/resource_not_found", 404, "withdraw")


# On Instagram the person typed the provider_id (services.invitation_withdraw): a 404 says
# nothing about the invitation itself, which stays pending.
def withdraw_action(account: LinkedAccount) -> str:
    """The catalogue's action for a withdraw from this account: Instagram's go by the user's
    provider_id, which the person typed, and read their own words."""
    return "withdraw_by_provider_id" if withdraws_by_provider_id(account.provider) else "withdraw"


def _account_in_team(
    team: Team, raw: str | None, default: QuerySet[LinkedAccount]
) -> LinkedAccount | None:
    """The team's account named in the request (404 for any other), else the first default."""
    if raw:
        return get_account_for_team(team, raw)
    return default.first()


def _send_account(team: Team, raw: str | None) -> tuple[LinkedAccount | None, LinkedAccount | None]:
    """The team's account named in the request (404 for any other) when it may send: active,
    and of a provider that takes invitations; else the first that may, and the one asked for
    (to say why it was passed over)."""
    inviting = team_active_accounts(team).filter(provider__in=INVITING_PROVIDERS)
    asked = _account_in_team(team, raw, inviting)
    if asked is not None and not (asked.is_active and sends_invitations(asked.provider)):
        return inviting.first(), asked
    return asked, None


def _sent_url(account: LinkedAccount, **params: Any) -> str:
    query = urlencode({"account": account.pk, **{k: v for k, v in params.items() if v != ""}})
    return f"{reverse('invitations:sent')}?{query}"


# --- sending ---------------------------------------------------------------------------------


def _account_state(account: LinkedAccount | None) -> dict[str, Any]:
    if account is None:
        return {}
    return {
        "usage": selectors.account_usage_warning(account),
        "caps": services.account_caps_usage(account),
    }


def _render_send(
    request: TeamRequest, form: InvitationSendForm, *, status: int = 200
) -> HttpResponse:
    account = form.selected_account
    context = {
        "form": form,
        "account": account,
        "message_limit": MESSAGE_LIMIT,
        "message_count": message_length(form["message"].value() or ""),
        **_account_state(account),
    }
    return render(request, "invitations/send.html", context, status=status)


@require_http_methods(["GET", "POST"])
@team_required
def invitation_send(request: TeamRequest) -> HttpResponse:
    team = request.team
    if request.method == "GET":
        account, passed_over = _send_account(team, request.GET.get("account"))
        if passed_over is not None and not sends_invitations(passed_over.provider):
            messages.info(request, f"{passed_over.label}: {NOT_INVITING}")
        form = InvitationSendForm(team=team, account=account, user=request.user)
        return _render_send(request, form)
    data = request.POST
    account, _ = _send_account(team, data.get("account"))
    if "refresh" in data:
        # Without JavaScript, this button shows the chosen account's fields, keeping the input.
        kept = {name: data.get(name, "") for name in ("recipient_id", "email", "message")}
        form = InvitationSendForm(team=team, account=account, user=request.user, initial=kept)
        return _render_send(request, form)
    form = InvitationSendForm(data, team=team, account=account, user=request.user)
    if not form.is_valid():
        return _render_send(request, form, status=400)
    chosen: LinkedAccount = form.cleaned_data["account"]
    try:
        outcome = services.invitation_send(
            account=chosen,
            recipient_id=form.cleaned_data["recipient_id"],
            email=form.cleaned_data["email"],
            message=form.cleaned_data["message"],
            actor=request.user,
            submission=form.cleaned_data["submission"],
        )
    except services.InvitationRefused as refused:
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
    except ApiKeyUnavailable as unavailable:
        form.add_error(None, api_key_problem(unavailable.state))
    except services.WriteUnconfirmed as unconfirmed:
        form.add_error(None, f"{unconfirmed.message} {RESOLVE_IN_SENT}")
    except PostpressError as error:
        words = error.message_for("send", account_label=chosen.label)
        form.add_error(FIELD_FOR_SEND_ERROR.get(error.error_type), words)
    else:
        if outcome.repeated and (still := _repeat_state(outcome.sent)):
            # The same form again: say what the first submission really did, nothing more.
            form.add_error(None, still)
            return _render_send(request, form)
        messages.success(request, _sent_message(outcome.sent))
        return redirect(f"{reverse('invitations:send')}?{urlencode({'account': chosen.pk})}")
    return _render_send(request, form)


def _sent_message(sent: SentInvitation) -> str:
    message = f"Invitation sent to {sent.recipient_id}."
    if sent.usage is not None:
        message += (
            f" Usage warning: postpress reports this account at {sent.usage}% of the "
            "provider's invitation limit."
        )
    return message


def _repeat_state(sent: SentInvitation) -> str:
    """What a repeated form shows when its first submission has not (yet) succeeded."""
    recipient = sent.recipient_id
    match sent.status:
        case SentStatus.SENDING:
            return (
                f"Still sending the invitation to {recipient}: this form was already submitted. "
                "Its outcome will show in Sent invitations."
            )
        case SentStatus.UNCONFIRMED:
            return f"{unconfirmed_message('send')} {RESOLVE_IN_SENT}"
        case SentStatus.NOT_SENT:
            return (
                f"The invitation to {recipient} from this form was marked as not sent. Reload "
                "the page to send it again."
            )
    return ""


@require_GET
@team_required
@vary_on_headers("HX-Request")
def send_form_fields(request: TeamRequest) -> HttpResponse:
    """The part of the send form that depends on the account, for htmx when it changes."""
    account, _ = _send_account(request.team, request.GET.get("account"))
    if not request.htmx:
        query = urlencode({"account": account.pk}) if account else ""
        return redirect(f"{reverse('invitations:send')}?{query}")
    form = InvitationSendForm(team=request.team, account=account, user=request.user)
    context = {"form": form, "account": account, **_account_state(account)}
    return render(request, "invitations/send.html#send-fields", context)


# --- the sent list and withdrawing -----------------------------------------------------------


@dataclass(frozen=True)
class WithdrawOutcome:
    message: str
    level: str  # "success", "info", "warning" (unconfirmed) or "error", as in contrib.messages


def _withdraw_one(sent: SentInvitation, request: TeamRequest) -> WithdrawOutcome:
    # On Instagram the person gives the user's provider_id (the row's form asks for it).
    provider_id = request.POST.get("provider_id", "")
    withdrawal = services.invitation_withdrawal(
        sent=sent, actor=request.user, provider_id=provider_id
    )
    return _withdraw_outcome(withdrawal)


def _withdraw_outcome(withdrawal: services.Withdrawal) -> WithdrawOutcome:
    """A withdraw's outcome in words, from what it did or the invitation's real state."""
    sent, error = withdrawal.sent, withdrawal.error
    if isinstance(error, services.InvitationRefused):
        return WithdrawOutcome(error.message, "error")  # no call: what is needed instead
    if isinstance(error, ApiKeyUnavailable):
        return WithdrawOutcome(api_key_problem(error.state), "error")
    if isinstance(error, services.WriteUnconfirmed):
        return WithdrawOutcome(error.message, "warning")  # it may have been done
    if isinstance(error, PostpressError):
        if sent.status == SentStatus.GONE:  # postpress no longer has the id it gave
            return WithdrawOutcome(GONE, "info")
        words = error.message_for(withdraw_action(sent.account), account_label=sent.account.label)
        return WithdrawOutcome(words, "error")
    if not withdrawal.withdrawn:
        return _not_withdrawn(sent)
    return WithdrawOutcome(f"Withdrew the invitation to {sent.recipient_id}.", "success")


def _not_withdrawn(sent: SentInvitation) -> WithdrawOutcome:
    """Why a withdraw did nothing, from the invitation's real state: never a success that has
    not happened."""
    recipient = sent.recipient_id
    match sent.status:
        case SentStatus.WITHDRAWING:
            return WithdrawOutcome(
                f"Still withdrawing the invitation to {recipient}: reload in a moment to see "
                "the outcome.",
                "info",
            )
        case SentStatus.WITHDRAWN:
            return WithdrawOutcome(f"The invitation to {recipient} was already withdrawn.", "info")
        case SentStatus.GONE:
            return WithdrawOutcome(GONE, "info")
        case SentStatus.WITHDRAW_UNCONFIRMED:
            return WithdrawOutcome(unconfirmed_message("withdraw"), "error")
        case SentStatus.SENDING | SentStatus.UNCONFIRMED | SentStatus.NOT_SENT:
            return WithdrawOutcome(
                f"The invitation to {recipient} is not known to have been sent, so there is "
                "nothing to withdraw yet.",
                "error",
            )
    return WithdrawOutcome(
        f"The invitation to {recipient} has no id from postpress, so it cannot be withdrawn "
        "from here: withdraw it on the provider.",
        "error",
    )


@require_GET
@team_required
def sent_list(request: TeamRequest) -> HttpResponse:
    team = request.team
    accounts = list(team_accounts(team))
    account = _account_in_team(team, request.GET.get("account"), team_accounts(team))
    days: int | None = None
    if "days" in request.GET:
        filter_form = SentFilterForm(request.GET)
        if filter_form.is_valid():
            days = filter_form.cleaned_data["days"]
    else:
        filter_form = SentFilterForm()
    context: dict[str, Any] = {
        "accounts": accounts,
        "account": account,
        "filter_form": filter_form,
        "days": days,
        "withdraw_warning": WITHDRAW_WARNING,
        "next": request.get_full_path(),
    }
    if account is not None:
        # A send or withdraw whose request died mid-call becomes unconfirmed, for a person.
        services.abandoned_writes_mark_unconfirmed(team=team)
        sent = selectors.sent_invitations(account, pending_longer_than_days=days)
        page = Paginator(sent, SENT_PAGE_SIZE).get_page(request.GET.get("page"))
        context |= {"page": page, "usage": selectors.account_usage_warning(account)}
        if days is not None:
            context["shown_ids"] = [row.pk for row in page]
    status = 400 if filter_form.is_bound and not filter_form.is_valid() else 200
    return render(request, "invitations/sent.html", context, status=status)


@require_GET
@team_required
def sent_row(request: TeamRequest, sent_pk: int) -> HttpResponse:
    """One row as it is now: a row still sending or withdrawing asks for this until it ends."""
    sent = selectors.get_sent_invitation_for_team(request.team, sent_pk)
    if sent.in_flight and sent.status_at < timezone.now() - services.STALE_CLAIM_AFTER:
        # Its request died mid-call: the row stops polling and offers its resolution.
        services.abandoned_writes_mark_unconfirmed(team=request.team)
        sent = selectors.get_sent_invitation_for_team(request.team, sent_pk)
    if not request.htmx:
        return redirect(_sent_url(sent.account))
    context = {
        "sent": sent,
        "account": sent.account,
        "next": _sent_url(sent.account),
        "withdraw_warning": WITHDRAW_WARNING,
    }
    return render(request, "invitations/sent.html#sent-row", context)


@require_POST
@team_required
@vary_on_headers("HX-Request")
def invitation_withdraw(request: TeamRequest, sent_pk: int) -> HttpResponse:
    sent = selectors.get_sent_invitation_for_team(request.team, sent_pk)
    outcome = _withdraw_one(sent, request)
    sent = selectors.get_sent_invitation_for_team(request.team, sent_pk)  # as it is now
    back = posted_next_url(request, _sent_url(sent.account))
    if request.htmx:
        # A 200 fragment even for an API error: htmx 2 does not swap 4xx/5xx answers.
        context = {
            "sent": sent,
            "account": sent.account,
            "outcome": outcome,
            "next": back,
            "withdraw_warning": WITHDRAW_WARNING,
        }
        return render(request, "invitations/sent.html#sent-row", context)
    messages.add_message(request, getattr(messages, outcome.level.upper()), outcome.message)
    return redirect(back)


@require_POST
@team_required
@vary_on_headers("HX-Request")
def invitations_bulk_withdraw(request: TeamRequest) -> HttpResponse:
    account = get_account_for_team(request.team, request.POST.get("account", ""))
    form = BulkWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was withdrawn: the list was not understood. Try again.")
        return _go(request, _sent_url(account, days=request.POST.get("days", "")))
    days, ids = form.cleaned_data["days"], form.cleaned_data["sent"]
    # Only what is still shown under this filter: another account's or a teammate's recent
    # withdrawal is left alone.
    shown = (
        selectors.sent_invitations(account, pending_longer_than_days=days)
        .filter(pk__in=ids)
        .select_related("account__team")
    )
    tried, not_tried, stopped = services.invitations_bulk_withdraw(
        invitations=shown, actor=request.user
    )
    outcomes = [(withdrawal.sent, _withdraw_outcome(withdrawal)) for withdrawal in tried]
    withdrawn = sum(outcome.level == "success" for _, outcome in outcomes)
    # Recipients by message and level, so a shared cause reads once.
    unsure: dict[str, list[str]] = {}
    failures: dict[str, list[str]] = {}
    for sent, outcome in outcomes:
        if outcome.level in ("warning", "error"):
            by_message = unsure if outcome.level == "warning" else failures
            by_message.setdefault(outcome.message, []).append(sent.recipient_id)
    failed = sum(len(recipients) for recipients in failures.values())
    unconfirmed = sum(len(recipients) for recipients in unsure.values())
    asked = len(set(ids))
    summary = f"Withdrew {withdrawn} of {asked} invitation{'s' if asked != 1 else ''}."
    complete = withdrawn and not failed and not unconfirmed and not not_tried
    (messages.success if complete else messages.warning)(request, summary)
    for message, recipients in unsure.items():
        messages.warning(request, f"{', '.join(recipients)}: {message}")
    for message, recipients in failures.items():
        messages.error(request, f"Not withdrawn ({', '.join(recipients)}): {message}")
    if not_tried and stopped == Stopped.RATE_LIMITED:
        messages.warning(
            request,
            f"{not_tried} not tried: postpress asked to slow down, so no more were sent. They "
            "are still pending: wait a moment, then withdraw all shown again to try them.",
        )
    elif not_tried:
        messages.warning(
            request,
            f"{not_tried} not tried in time: they are still pending. Withdraw all shown again "
            "to try them.",
        )
    if skipped := asked - withdrawn - failed - unconfirmed - not_tried:
        messages.info(
            request, f"{skipped} no longer pending for more than {days} days: left as they are."
        )
    return _go(request, _sent_url(account, days=days))


def _go(request: TeamRequest, url: str) -> HttpResponse:
    """Back to a full page: htmx follows a client redirect, a plain form post a 302."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
