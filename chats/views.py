"""The "New chat" composer: one form, its provider-specific fields, and a Recruiter preview.

The nav link "New chat" leads to `chat_new` (services.chat_start). Choosing another account or
LinkedIn API swaps the fields that depend on it (`chat_fields`); typing a Recruiter message
shows what Recruiter will receive, the follow-up's too (`message_preview`,
services.recruiter_html).

Uploads are capped while they stream in: `chat_new` installs CappedUploadHandler before
anything reads the body, which is why it is csrf_exempt and checks CSRF itself right after
(Django's documented pattern for per-view upload handlers). From CHAT_UPLOAD_STREAM_FROM_BYTES
on, the upload goes on to postpress while it arrives instead (`_chat_new_streamed`,
chats/streaming.py): the text fields are read first, then CSRF and the form checked on them.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from chats import services, streaming
from chats.forms import FIELD_FOR_CHAT_ERROR, FILES_AGAIN, ChatStartForm
from chats.models import ChatStatus, ChatSubmission
from chats.uploads import CappedUploadHandler
from invitations.services import WriteUnconfirmed
from postpress_dashboard.http import TeamRequest
from postpress_dashboard.postpress.catalogue import RESOLVE_IN_ACTIVITY, unconfirmed_message
from postpress_dashboard.postpress.errors import PostpressError
from postpress_dashboard.postpress.schemas import NewChat
from postpress_dashboard.teams.access import team_required
from postpress_dashboard.teams.models import ApiKeyUnavailable, LinkedAccount, ProviderChoice, Team
from postpress_dashboard.teams.selectors import (
    get_account_for_team,
    team_active_accounts_preferring,
)
from postpress_dashboard.teams.services import api_key_problem

PAGE = "chats/new.html"
FORM_PARTIAL = "chats/new.html#chat-form"
FIELDS_PARTIAL = "chats/new.html#chat-fields"
PREVIEW_PARTIAL = "chats/new.html#message-preview"
# What a link may fill in, e.g. the inbox's "Message" (?account=&recipients=&invitation_id=).
PREFILLED = ("recipients", "subject", "message", "linkedin_api", "invitation_id")
UNSUPPORTED_MEDIA = "errors/unsupported_media_type"
# Refusals of the files as a whole: none is kept for the next try (sending the same again would
# be refused again).
FILES_TOO_BIG_OR_UNSUPPORTED = (UNSUPPORTED_MEDIA, "errors/content_too_large")


def _account(team: Team, raw: str | None) -> LinkedAccount | None:
    """The team's account named in the request (404 for any other), else its first active one.
    A deactivated account of the team falls back to the first active one too."""
    if raw:
        account = get_account_for_team(team, raw)
        if account.is_active:
            return account
    # By default LinkedIn, whose options make up most of this form.
    return team_active_accounts_preferring(team, (ProviderChoice.LINKEDIN,)).first()


def _render(request: TeamRequest, form: ChatStartForm, *, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "account": form.selected_account,
        "fields": form.chat_fields,
        # An htmx request comes from a page running chats.js, which keeps the chosen files;
        # without JavaScript a page that comes back has none chosen.
        "files_note": form.files_note if request.htmx else FILES_AGAIN,
    }
    if form.chat_fields and form.chat_fields.allows_html:
        context["preview"] = services.recruiter_html(str(form["message"].value() or ""))
        follow_up = str(form["follow_up_message"].value() or "")
        context["follow_up_preview"] = services.recruiter_html(follow_up)
    if request.htmx:
        # htmx 2 swaps 200 answers only: the form comes back in place, with its errors.
        return render(request, FORM_PARTIAL, context)
    return render(request, PAGE, context, status=status)


def _started_message(chat: NewChat, outcome: services.ChatOutcome) -> str:
    """The started chat's ids, from this request or from the form's earlier submission."""
    recipients = ", ".join(chat.attendees_ids)
    chat_id, message_id = outcome.ids
    return (
        f"Chat started with {recipients}. Chat id: {chat_id or 'pending'}; "
        f"message id: {message_id or 'pending'}."
    )


def _place_api_error(form: ChatStartForm, error: PostpressError) -> None:
    """The catalogue's words at the field they concern; anything else at the top."""
    shown = form.cleaned_data["chat_fields"].option_fields | {"recipients", "message"}
    # Words for the form as it is: one without an InMail box never says to use or drop InMail.
    action = "chat" if "inmail" in shown else "chat:no-inmail"
    message = error.message_for(action, account_label=form.cleaned_data["account"].label)
    if error.error_type in FILES_TOO_BIG_OR_UNSUPPORTED and form.had_files:
        form.files_refused = True  # none is kept for the next try: which one is unknown
        # The provider does not say which file: every single-file field that carried one, and
        # the top for (follow-up) attachments.
        cleaned = form.cleaned_data
        places = [name for name in ("voice_message", "video_message") if cleaned.get(name)]
        if cleaned.get("attachments") or cleaned.get("follow_up_attachments") or not places:
            places.append(None)  # type: ignore[arg-type]
        for place in places:
            form.add_error(place, message)
        return
    field = FIELD_FOR_CHAT_ERROR.get(error.error_type)
    if field is not None and field not in shown:
        field = None  # e.g. an InMail error for an account whose form shows no InMail box
    if field == "inmail" and not form.cleaned_data.get("inmail"):
        field = None  # out of credits with InMail unticked: about the chat, not the box
    form.add_error(field, message)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@team_required
@vary_on_headers("HX-Request")
def chat_new(request: TeamRequest) -> HttpResponse:
    if streaming.streams(request):
        # A large upload goes on to postpress while it arrives (docs/chats.md, "Uploads").
        upload = streaming.ChatUpload(request)
        # The text fields, up to the first file: what CSRF and the form read.
        request._post, request._files = upload.read_fields(), MultiValueDict()
        try:
            return _chat_new_streamed(request, upload)
        finally:
            upload.drain()  # the rest of a body refused or stopped, so the browser gets the page
    handler = CappedUploadHandler(request)
    # Before anything reads the body: every file goes to disk, and a cap stops the upload.
    request.upload_handlers = [handler]
    return _chat_new(request, handler)


@csrf_protect
def _chat_new(request: TeamRequest, handler: CappedUploadHandler) -> HttpResponse:
    team = request.team
    if request.method == "GET":
        account = _account(team, request.GET.get("account"))
        initial = {name: request.GET[name] for name in PREFILLED if request.GET.get(name)}
        if request.GET.get("invitation_id") and "linkedin_api" not in initial:
            initial["linkedin_api"] = "classic"  # an invitation is LinkedIn classic's
        form = ChatStartForm(team=team, account=account, user=request.user, initial=initial)
        return _render(request, form)

    data = request.POST  # reads the body, through the capped handler
    account = _account(team, data.get("account"))
    if "refresh" in data:
        # Without JavaScript, this button shows the chosen account's fields, keeping the text.
        form = ChatStartForm(team=team, account=account, user=request.user, initial=data.dict())
        return _render(request, form)
    files = {} if handler.problem else request.FILES
    form = ChatStartForm(
        data,
        files,
        team=team,
        account=account,
        user=request.user,
        upload_problem=handler.problem,
    )
    if not form.is_valid():
        return _render(request, form, status=400)
    chat = form.new_chat()
    return _start_answered(
        request,
        form,
        chat,
        lambda: services.chat_start(
            account=form.cleaned_data["account"],
            chat=chat,
            files=form.sent_files(),
            actor=request.user,
            submission=form.cleaned_data["submission"],
        ),
    )


def _start_answered(
    request: TeamRequest,
    form: ChatStartForm,
    chat: NewChat,
    start: Callable[[], services.ChatOutcome],
) -> HttpResponse:
    """The page after a start, stored or streamed: the started chat, or the form with what
    stopped it in words."""
    try:
        outcome = start()
    except ApiKeyUnavailable as unavailable:
        form.add_error(None, api_key_problem(unavailable.state))
    except services.WriteRefused as refused:
        form.add_error(None, str(refused))
    except WriteUnconfirmed as unconfirmed:
        # Never the field errors of a refusal: it may have started. Activity lists it.
        form.start_unconfirmed = True
        form.add_error(None, f"{unconfirmed.message} {RESOLVE_IN_ACTIVITY}")
    except PostpressError as error:
        _place_api_error(form, error)
    else:
        return _started(request, form, chat, outcome)
    return _render(request, form)


@csrf_protect
def _chat_new_streamed(request: TeamRequest, upload: streaming.ChatUpload) -> HttpResponse:
    """As _chat_new, the files checked and sent while they arrive: a refusal before the
    request to postpress opened is a plain one; a stop after it, unconfirmed."""
    team = request.team
    data = request.POST
    account = _account(team, data.get("account"))
    if "refresh" in data:  # a page from before the refresh button said so in its address
        form = ChatStartForm(team=team, account=account, user=request.user, initial=data.dict())
        return _render(request, form)
    form = ChatStartForm(
        data,
        team=team,
        account=account,
        user=request.user,
        upload_problem=upload.problem,
        files_follow=upload.has_files,
    )
    if not form.is_valid():
        return _render(request, form, status=400)
    cleaned = form.cleaned_data
    refusal = upload.start(
        fields=cleaned["chat_fields"],
        account=cleaned["account"],
        follow_up=bool(cleaned.get("follow_up")),
    )
    if refusal is not None:
        if refusal.field is None:
            form.files_refused = True  # stopped at a cap: none is kept for the next try
        form.add_error(refusal.field, refusal.words)
        return _render(request, form, status=400)
    chat = form.new_chat()  # its files follow from the upload
    return _start_answered(
        request,
        form,
        chat,
        lambda: services.chat_start_streamed(
            account=cleaned["account"],
            chat=chat,
            files=upload.files(),
            sent=upload.sent,
            actor=request.user,
            submission=cleaned["submission"],
        ),
    )


def _started(
    request: TeamRequest, form: ChatStartForm, chat: NewChat, outcome: services.ChatOutcome
) -> HttpResponse:
    if outcome.earlier is not None and outcome.earlier.status != ChatStatus.STARTED:
        # The same form again: say what its first submission really did, nothing more.
        form.add_error(None, _repeat_state(outcome.earlier))
        return _render(request, form)
    messages.success(request, _started_message(chat, outcome))
    url = f"{reverse('chats:new')}?{urlencode({'account': form.cleaned_data['account'].pk})}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _repeat_state(earlier: ChatSubmission) -> str:
    if earlier.status == ChatStatus.STARTING:
        return (
            f"Still starting the chat with {earlier.recipients}: this form was already "
            "submitted. Its outcome will show in Activity."
        )
    return f"{unconfirmed_message('chat')} {RESOLVE_IN_ACTIVITY}"


@require_GET
@team_required
@vary_on_headers("HX-Request")
def chat_fields(request: TeamRequest) -> HttpResponse:
    """The part of the form that depends on the account and LinkedIn API, for htmx."""
    account = _account(request.team, request.GET.get("account"))
    api = request.GET.get("linkedin_api", "")
    if not request.htmx:
        query = {"account": account.pk} if account else {}
        if api:
            query["linkedin_api"] = api
        return redirect(f"{reverse('chats:new')}?{urlencode(query)}")
    initial = {"linkedin_api": api} if api else {}
    form = ChatStartForm(team=request.team, account=account, user=request.user, initial=initial)
    context = {"form": form, "account": account, "fields": form.chat_fields, "oob": True}
    return render(request, FIELDS_PARTIAL, context)


@require_POST
@team_required
def message_preview(request: TeamRequest) -> HttpResponse:
    """What a Recruiter message, or its follow-up, becomes once cut down to the HTML subset
    Recruiter takes: the very text sent, shown as the HTML it is (docs/chats.md)."""
    field = "follow_up_message" if "follow_up_message" in request.POST else "message"
    text = request.POST.get(field, "")
    context = {"preview": services.recruiter_html(text)}
    return render(request, PREVIEW_PARTIAL, context)
