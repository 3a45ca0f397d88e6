"""Every error the dashboard can meet, in words a person can act on.

This is the only place user-facing error words live. Each entry says what happened and what the
person can do, whether retrying the same request can help, and who can fix it. Documented API
error types are keyed by their type (``errors/...``); failures that never produced an error
envelope (no connection, an HTML page from a proxy, broken JSON) are keyed ``client/...``.
Unknown types fall back to an entry for their HTTP status.
"""

import math
from dataclasses import dataclass
from enum import StrEnum


class FixableBy(StrEnum):
    """Who can make the request succeed."""

    INPUT = "input"  # the person, by changing what they typed
    ACCOUNT = "account"  # the linked account: reconnect or fix it in postpress
    ADMIN = "admin"  # a team admin: the API key, its scopes or the subscription
    PROVIDER = "provider"  # LinkedIn, Instagram, WhatsApp or Telegram
    SERVICE = "service"  # postpress itself, or the network in between


@dataclass(frozen=True)
class CatalogueEntry:
    message: str
    retryable: bool
    fixable_by: FixableBy


def _input(message: str) -> CatalogueEntry:
    return CatalogueEntry(message, retryable=False, fixable_by=FixableBy.INPUT)


def _account(message: str, *, retryable: bool = False) -> CatalogueEntry:
    return CatalogueEntry(message, retryable=retryable, fixable_by=FixableBy.ACCOUNT)


def _admin(message: str) -> CatalogueEntry:
    return CatalogueEntry(message, retryable=False, fixable_by=FixableBy.ADMIN)


def _provider(message: str, *, retryable: bool = False) -> CatalogueEntry:
    return CatalogueEntry(message, retryable=retryable, fixable_by=FixableBy.PROVIDER)


def _service(message: str, *, retryable: bool = True) -> CatalogueEntry:
    return CatalogueEntry(message, retryable=retryable, fixable_by=FixableBy.SERVICE)


# Pages that know the account name it here (PostpressError.message_for).
RECONNECT_THE_ACCOUNT = "Reconnect the account in postpress"
_RECONNECT = RECONNECT_THE_ACCOUNT + ", then try again."
_SUPPORT = "If it keeps happening, contact postpress support and quote the request id."

CATALOGUE: dict[str, CatalogueEntry] = {
    # 400: the request itself
    "errors/invalid_parameters": _input(
        "Some of the details you entered were not accepted. Check the fields and try again."
    ),
    "errors/missing_parameters": _input(
        "A required detail is missing. Fill in every required field and try again."
    ),
    "errors/malformed_request": _service(
        "postpress could not read this request. " + _SUPPORT, retryable=False
    ),
    "errors/content_too_large": _input(
        "What you sent is too large for the provider. Shorten the text or send smaller files."
    ),
    "errors/invalid_url": _input(
        "A link in your message is not a valid URL. Correct it and try again."
    ),
    "errors/too_many_characters": _input(
        "The text is longer than the provider allows (an invitation note takes at most "
        "300 characters). Shorten it and try again."
    ),
    "errors/unescaped_characters": _input(
        "Some characters could not be sent as they are. Remove unusual symbols from the "
        "identifiers you entered and try again."
    ),
    "errors/limit_too_high": _input(
        "Too many items were asked for at once. Choose a smaller page size."
    ),
    # 401: credentials
    "errors/missing_credentials": _admin(
        "The team's postpress API key is missing. Ask a team admin to enter it in Settings."
    ),
    "errors/multiple_sessions": _account(
        "LinkedIn allows only one session on this Recruiter account. Reconnect it in postpress "
        "with the cookie connection method."
    ),
    "errors/invalid_checkpoint_solution": _account(
        "The account's security check was not passed. Reconnect the account in postpress and "
        "complete the check again."
    ),
    "errors/invalid_proxy_credentials": _account(
        "The proxy credentials of this account were refused. Update them in postpress."
    ),
    "errors/checkpoint_error": _account(
        "The provider asks for a security check that cannot be completed from here. " + _RECONNECT
    ),
    "errors/invalid_credentials": _admin(
        "postpress did not accept the team's API key. Ask a team admin to check it in Settings."
    ),
    "errors/expired_credentials": _account("The account's login has expired. " + _RECONNECT),
    "errors/insufficient_privileges": _admin(
        "The team's API key is not allowed to do this. Ask a team admin for a key with the "
        "right scopes."
    ),
    "errors/disconnected_account": _account(
        "This account is disconnected from the provider. " + _RECONNECT
    ),
    "errors/disconnected_feature": _account(
        "This feature is disconnected for the account. " + _RECONNECT
    ),
    "errors/invalid_credentials_but_valid_account_imap": _account(
        "The account's email (IMAP/SMTP) credentials were refused. Update them in postpress."
    ),
    "errors/expired_link": _account(
        "The connection link has expired. Generate a new one in postpress."
    ),
    "errors/wrong_account": _account(
        "The credentials belong to a different account than the one linked. " + _RECONNECT
    ),
    # 403: not allowed
    "errors/account_restricted": _provider(
        "The provider has restricted this account. Check the account on the provider's site."
    ),
    "errors/account_mismatch": _input(
        "This action cannot be done with this account. Choose another account."
    ),
    "errors/insufficient_permissions": _admin(
        "The account is not allowed to do this. Ask a team admin to check its permissions."
    ),
    "errors/session_mismatch": _account(
        "The account's session does not match its login. " + _RECONNECT
    ),
    "errors/feature_not_subscribed": _admin(
        "This feature is not part of the account's subscription. Ask a team admin to enable it."
    ),
    "errors/subscription_required": _admin(
        "This feature needs a subscription. Ask a team admin to subscribe."
    ),
    "errors/unknown_authentication_context": _account(
        "The provider wants one more login step. " + _RECONNECT
    ),
    "errors/action_required": _account(
        "The provider wants one more step: complete it in the provider's own app, then try again."
    ),
    "errors/resource_access_restricted": _admin(
        "This account has no access to that item. Ask a team admin if it should."
    ),
    # 404: not found
    "errors/resource_not_found": _input(
        "It was not found: it may have been handled or withdrawn already, or the id is wrong. "
        "Reload the page."
    ),
    "errors/invalid_resource_identifier": _input(
        "That id is not valid for this provider. Check the id and try again."
    ),
    # 415: media
    "errors/unsupported_media_type": _input(
        "The provider rejected one of the files. Send it in another format (for a voice "
        "message: .m4a or .mp3)."
    ),
    # 422: refused for a domain reason
    "errors/invalid_account": _input(
        "This account cannot do this. Choose an account of a provider that supports it."
    ),
    "errors/invalid_recipient": _input("The recipient is not valid. Check the recipient id."),
    "errors/no_connection_with_recipient": _input(
        "You are not connected with this person. Send an invitation first, or use InMail."
    ),
    "errors/blocked_recipient": _provider(
        "The recipient has blocked this kind of request. Reach them another way."
    ),
    "errors/user_unreachable": _provider(
        "This person cannot be reached on the provider. Check the recipient id, or reach them "
        "another way."
    ),
    "errors/unprocessable_entity": _input(
        "The provider could not process this request as it is: it refused its content, not the "
        "account. Check what you entered and try again."
    ),
    "errors/payment_error": _admin(
        "The provider needs a payment that could not be completed. Ask a team admin to check "
        "the account's billing."
    ),
    "errors/action_already_performed": _input(
        "The provider says this was already done: there is nothing more to do. Reload the page "
        "to see it."
    ),
    "errors/invalid_message": _input(
        "The provider rejected the message. Change the text and try again."
    ),
    "errors/invalid_post": _input(
        "The post this refers to is not valid. Check that it still exists on the provider."
    ),
    "errors/not_allowed_inmail": _input(
        "InMail is not allowed for this recipient or account. Send it without InMail."
    ),
    "errors/insufficient_credits": _admin(
        "The account has run out of credits for this. Ask a team admin to add credits."
    ),
    "errors/cannot_resend_yet": _provider(
        "The provider does not allow sending this again yet. Try again later."
    ),
    "errors/cannot_resend_within_24hrs": _provider(
        "The provider does not allow sending this again within 24 hours. Try again tomorrow."
    ),
    "errors/limit_exceeded": _provider(
        "The provider's limit for this account has been reached. Wait before sending more."
    ),
    "errors/already_invited_recently": _input(
        "This person was already invited recently. Wait before inviting them again."
    ),
    "errors/already_connected": _input(
        "You are already connected with this person: no invitation is needed. Start a chat "
        "with them instead."
    ),
    "errors/cannot_invite_attendee": _provider(
        "The provider does not allow inviting this person. Check the recipient id, or reach "
        "them another way."
    ),
    "errors/parent_mail_not_found": _input(
        "The email this replies to was not found. Start a new conversation instead."
    ),
    "errors/parent_mail_invalid_provider_id": _input(
        "The id of the email this replies to is not valid. Start a new conversation instead."
    ),
    "errors/invalid_reply_subject": _input(
        "The subject is not valid for a reply. Change it and try again."
    ),
    "errors/invalid_headers": _input(
        "The provider refused the message's subject or addressing. Check the subject and the "
        "recipients, then try again."
    ),
    "errors/send_as_denied": _account(
        "The account is not allowed to send as this address. Check its settings in postpress."
    ),
    "errors/invalid_folder": _input(
        "The folder is not valid for this account. Start the conversation from the account's "
        "inbox instead."
    ),
    "errors/invalid_thread": _input(
        "The conversation is not valid for this account. Start a new one instead."
    ),
    "errors/unauthorized": _account("The provider refused this for the account. " + _RECONNECT),
    "errors/sender_rejected": _account(
        "The provider rejected the sender. Check the account in postpress."
    ),
    "errors/recipient_rejected": _input(
        "The provider rejected the recipient. Check the recipient id."
    ),
    "errors/ip_rejected_by_server": _account(
        "The provider's server refused the account's connection. Check its proxy in postpress."
    ),
    "errors/provider_unreachable": _provider(
        "The provider cannot be reached right now. Try again in a few minutes.", retryable=True
    ),
    "errors/account_configuration_error": _account(
        "The account is not set up correctly. Check its configuration in postpress."
    ),
    "errors/cant_send_message": _provider(
        "The provider would not send this message. Change the text or the recipients, or try "
        "again later."
    ),
    "errors/realtime_client_not_initialized": _service(
        "The account's connection is still starting. Try again in a minute."
    ),
    "errors/comments_disabled": _provider(
        "Comments are turned off for this post. Message its author instead."
    ),
    "errors/insufficient_job_slot": _admin(
        "No Recruiter job slot is available. Ask a team admin to free one or add one."
    ),
    # 429: slow down
    "errors/too_many_requests": _provider(
        "The provider is limiting requests from this account. Wait a moment and try again.",
        retryable=True,
    ),
    # 5xx: postpress or the provider
    "errors/unexpected_error": _service(
        "Something went wrong at postpress. Try again. " + _SUPPORT
    ),
    "errors/provider_error": _provider(
        "The provider is having problems. Try again later.", retryable=True
    ),
    "errors/authentication_intent_error": _account(
        "The account's login attempt failed. " + _RECONNECT
    ),
    "errors/feature_not_implemented": _service(
        "postpress does not support this for this provider yet. Do it on the provider instead.",
        retryable=False,
    ),
    "errors/no_client_session": _service(
        "postpress has no session running for this account right now. Try again shortly. "
        + _SUPPORT
    ),
    "errors/no_channel": _service(
        "postpress cannot reach this account's session right now. Try again shortly. " + _SUPPORT
    ),
    "errors/no_handler": _service(
        "postpress cannot handle this request right now. Try again shortly. " + _SUPPORT
    ),
    "errors/network_down": _service("postpress's network is down. Try again shortly."),
    "errors/service_unavailable": _service(
        "postpress is temporarily unavailable. Try again later."
    ),
    "errors/request_timeout": _provider(
        "The provider did not answer in time. Try again. " + _SUPPORT, retryable=True
    ),
}

# Failures that never produced an error envelope.
CLIENT_FAILURES: dict[str, CatalogueEntry] = {
    "client/connection_refused": _service("postpress could not be reached. Try again in a moment."),
    # These words fit a read. A write that met one of them may have gone through: it is
    # unconfirmed, and says so in UNCONFIRMED_WRITES's words with the reason below.
    "client/connection_reset": _service(
        "The connection to postpress was cut off before its answer arrived. Try again in a moment."
    ),
    "client/timeout": _service("postpress did not answer in time. Try again in a moment."),
    "client/html_response": _service(
        "postpress answered with an error page instead of data; it may be under maintenance. "
        "Try again later."
    ),
    # An answer arrived but could not be used.
    "client/invalid_json": _service(
        "postpress's answer could not be read. " + _SUPPORT,
        retryable=False,
    ),
    "client/missing_fields": _service(
        "postpress's answer was incomplete. " + _SUPPORT,
        retryable=False,
    ),
    "client/invalid_api_key": _admin(
        "The team's postpress API key contains characters no API key has (a space or a line "
        "break, perhaps from copying it). Ask a team admin to enter it again in Settings."
    ),
    "client/invalid_base_url": _admin(
        "The team's postpress address is not a valid URL. Ask a team admin to correct it in "
        "Settings."
    ),
    "client/rate_limit_wait": _provider(
        "The provider is limiting requests from this account. Wait before trying again.",
        retryable=True,
    ),
    # Refused before any connection (base_url.py): nothing was sent.
    "client/host_not_allowed": _admin(
        "The team's postpress address is not one the API key may be sent to (an unlisted host, "
        "or plain http). Ask a team admin to correct it in Settings."
    ),
    # An answer arrived but the client would not use it: the request itself may have been done.
    "client/response_too_large": _service(
        "postpress's answer was far larger than expected and was not read. " + _SUPPORT,
        retryable=False,
    ),
    "client/too_many_items": _service(
        "postpress's answer held more items than were asked for and was not used. " + _SUPPORT,
        retryable=False,
    ),
    "client/invalid_fields": _service(
        "postpress's answer held values the dashboard cannot use. " + _SUPPORT,
        retryable=False,
    ),
}

# Why a base URL is refused (base_url.py), for the Settings form and create_team.
# ``{allowed}`` is the list of allowed hosts.
BASE_URL_PROBLEMS: dict[str, str] = {
    "not_a_url": "Enter a valid URL, such as https://api.postpress.ai/api/v1.",
    "characters": (
        "The address may contain only plain letters, digits and the usual URL punctuation: no "
        "spaces, backslashes, @ (user names), % escapes, ? or #, and no accented or non-Latin "
        "characters."
    ),
    "scheme": "The address must start with https://.",
    "host": (
        "The host must be a plain name such as api.postpress.ai (without a trailing dot), an "
        "IPv4 address written as four decimal numbers, or a bracketed IPv6 address."
    ),
    "port": "The port must be a number from 1 to 65535.",
    "path": "The path after the host contains characters a postpress address never has.",
    "host_not_allowed": (
        "The API key is sent to this address, so it must be on an allowed host ({allowed}; "
        "set POSTPRESS_ALLOWED_HOSTS to change the list)."
    ),
    "plain_http": (
        "Use https: the API key must not travel unencrypted (plain http is allowed only for "
        "a local sandbox on a loopback host, when POSTPRESS_ALLOW_LOOPBACK_HTTP is on)."
    ),
}


def try_again_in(seconds: float) -> str:
    """How long to wait, rounded up: seconds under a minute, minutes under an hour, else hours."""
    if seconds >= 3600:
        count, unit = math.ceil(seconds / 3600), "hour"
    elif seconds >= 60:
        count, unit = math.ceil(seconds / 60), "minute"
    else:
        count, unit = max(1, math.ceil(seconds)), "second"
    return f"You can try again in {count} {unit}{'s' if count != 1 else ''}."


# Unknown error types fall back by HTTP status, then by status class.
STATUS_FALLBACKS: dict[int, CatalogueEntry] = {
    400: _input("The request was not accepted. Check the fields and try again."),
    401: _admin(
        "postpress did not accept the team's credentials. Ask a team admin to check Settings."
    ),
    403: _admin("This is not allowed for this account. Ask a team admin."),
    404: _input("It was not found: it may have been handled already. Reload the page."),
    413: _input("What you sent is too large. Send less at once."),
    415: _input("The provider rejected one of the files. Send it in another format."),
    422: _input("The provider refused this request. Check the fields and try again."),
    429: CLIENT_FAILURES["client/rate_limit_wait"],
    500: _service("Something went wrong at postpress. Try again. " + _SUPPORT),
    501: _service("postpress does not support this yet.", retryable=False),
    502: _service("postpress could not be reached through its gateway. Try again in a moment."),
    503: _service("postpress is temporarily unavailable. Try again later."),
    504: _service("postpress did not answer in time. Try again in a moment."),
}
_CLIENT_ERROR_FALLBACK = STATUS_FALLBACKS[400]
_SERVER_ERROR_FALLBACK = _service("postpress had a problem. Try again later. " + _SUPPORT)


# --- words per action -------------------------------------------------------------------------
# Where a type's general words are wrong for what the person was doing, its words for that
# action. Actions, as in documented_errors.DOCUMENTED_ERRORS_BY_ACTION: list (the inbox, Test
# connection), decide (accept or decline), send (an invitation), withdraw, chat. The key
# "status/<code>" holds an action's words for an undocumented type answered with that status.
_WITHDRAW_ON_PROVIDER = "Withdraw it on the provider instead."
_NO_FORM = "postpress refused the request the dashboard made for you. " + _SUPPORT

ACTION_WORDS: dict[tuple[str, str], str] = {
    # send: the form has an account, a recipient id, an email (LinkedIn) and a note
    ("errors/not_allowed_inmail", "send"): (
        "LinkedIn does not let this account send this person this kind of invitation. Check "
        "their profile on LinkedIn; if you are connected, start a chat instead."
    ),
    ("errors/resource_not_found", "send"): (
        "postpress found no such person or account. Check the recipient id, and that the "
        "account is still linked in postpress."
    ),
    ("errors/invalid_resource_identifier", "send"): (
        "The recipient id is not a valid id for this provider. Check it and try again."
    ),
    ("errors/unescaped_characters", "send"): (
        "The recipient id has characters postpress would not take. Remove spaces or unusual "
        "symbols from it and try again."
    ),
    ("errors/limit_too_high", "send"): _NO_FORM,
    ("errors/content_too_large", "send"): (
        "The invitation is too large for the provider. Shorten the note and try again."
    ),
    ("errors/action_already_performed", "send"): (
        "The provider says this invitation was already sent: there is nothing more to do. "
        "Check the person's profile on the provider to see it."
    ),
    ("errors/unprocessable_entity", "send"): (
        "The provider could not process this invitation as it is. Check the recipient id and "
        "the note, then try again."
    ),
    ("errors/invalid_account", "send"): (
        "This account cannot send invitations. Choose a LinkedIn or Instagram account."
    ),
    # withdraw: a button on a row; the person typed nothing and never sees the id
    ("errors/account_mismatch", "withdraw"): (
        "This invitation belongs to the account that sent it: withdraw it from that account's "
        "Sent invitations."
    ),
    ("errors/invalid_resource_identifier", "withdraw"): (
        "postpress did not accept this invitation's id for the provider. " + _WITHDRAW_ON_PROVIDER
    ),
    ("errors/unescaped_characters", "withdraw"): (
        "This invitation's id has characters postpress would not take. " + _WITHDRAW_ON_PROVIDER
    ),
    ("errors/resource_not_found", "withdraw"): (
        "This invitation is gone from the provider: it was already accepted, declined or "
        "withdrawn there, so there is nothing left to withdraw. Reload the page to see it."
    ),
    ("errors/invalid_parameters", "withdraw"): _NO_FORM,
    ("errors/missing_parameters", "withdraw"): _NO_FORM,
    ("errors/content_too_large", "withdraw"): _NO_FORM,
    ("errors/invalid_url", "withdraw"): _NO_FORM,
    ("errors/limit_too_high", "withdraw"): _NO_FORM,
    ("errors/too_many_characters", "withdraw"): _NO_FORM,
    # withdraw on Instagram: by the user's provider_id, which the person typed
    ("errors/resource_not_found", "withdraw_by_provider_id"): (
        "postpress knows no pending invitation from this account to the Instagram user with "
        "that provider_id. Check that it is the id from their profile in postpress, not their "
        "username; if they accepted or declined the invitation already, there is nothing left "
        "to withdraw."
    ),
    ("errors/invalid_resource_identifier", "withdraw_by_provider_id"): (
        "postpress did not take that as an Instagram provider_id. Enter the id from the user's "
        "profile in postpress, not their username or provider_messaging_id."
    ),
    # decide: accept or decline buttons on a row
    ("errors/account_mismatch", "decide"): (
        "This invitation belongs to the account that received it: reload that account's inbox "
        "and decide it there."
    ),
    ("status/404", "decide"): (
        "postpress no longer has this invitation: it may have been accepted, declined or "
        "withdrawn already. Reload the inbox."
    ),
    # list: the inbox and Test connection
    ("errors/account_mismatch", "list"): (
        "postpress will not list invitations for this account with the team's key. Check the "
        "account's id in Settings."
    ),
    ("errors/resource_not_found", "list"): (
        "postpress does not know this account. Check its postpress account id in Settings."
    ),
    ("status/404", "list"): (
        "postpress does not know this account. Check its postpress account id in Settings."
    ),
    # chat: the composer
    # chat:no-inmail: a composer without an InMail box (Sales Navigator, Recruiter, other
    # providers)
    ("errors/not_allowed_inmail", "chat:no-inmail"): (
        "LinkedIn does not allow this account to send this person a paid message. Check their "
        "profile on LinkedIn, or connect with them first."
    ),
    ("errors/no_connection_with_recipient", "chat:no-inmail"): (
        "You are not connected with this person. Send them an invitation first."
    ),
    ("errors/too_many_characters", "chat"): (
        "The message is longer than the provider allows. Shorten it and try again."
    ),
    ("errors/already_connected", "chat"): (
        "The provider says you are already connected with this person, and would not start "
        "this chat. Check the recipients, or message them from the provider."
    ),
    ("errors/already_invited_recently", "chat"): (
        "This person was invited recently, so the provider will not open a conversation with "
        "them this way yet. Wait until they accept, then message them."
    ),
    ("errors/cannot_invite_attendee", "chat"): (
        "The provider does not allow starting a chat with this person. Check the recipients."
    ),
    ("errors/limit_too_high", "chat"): (
        "Too many recipients or files for one chat. Send to fewer people or attach fewer files."
    ),
    ("errors/resource_not_found", "chat"): (
        "postpress found no such recipient or account. Check the recipient ids, and that the "
        "account is still linked in postpress."
    ),
    ("errors/invalid_resource_identifier", "chat"): (
        "A recipient id is not a valid id for this provider. Check the recipients."
    ),
    ("errors/unescaped_characters", "chat"): (
        "A recipient id has characters postpress would not take. Remove spaces or unusual "
        "symbols from the recipients and try again."
    ),
    ("errors/action_already_performed", "chat"): (
        "The provider says this message was already sent: there is nothing more to do. Check "
        "the conversation on the provider to see it."
    ),
    ("errors/unprocessable_entity", "chat"): (
        "The provider could not process this chat as it is. Check the recipients, the text "
        "and the files, then try again."
    ),
    ("errors/invalid_account", "chat"): (
        "This account cannot start this kind of chat. Choose another account or LinkedIn API."
    ),
}


def message_for(error_type: str, status: int | None, action: str) -> str:
    """The words for a type when the person was doing `action`: its words for that action
    where the general ones do not fit, else the general ones. An action may name a variant of
    its page ("chat:no-inmail"): the variant's words first, then the action's."""
    for key in dict.fromkeys((action, action.partition(":")[0])):
        if (error_type, key) in ACTION_WORDS:
            return ACTION_WORDS[(error_type, key)]
    action = action.partition(":")[0]
    known = error_type in CATALOGUE or error_type in CLIENT_FAILURES
    if not known and (f"status/{status}", action) in ACTION_WORDS:
        return ACTION_WORDS[(f"status/{status}", action)]
    return entry_for(error_type, status).message


def entry_for(error_type: str, status: int | None) -> CatalogueEntry:
    """The entry for an error type, falling back by status when the type is unknown."""
    if error_type in CATALOGUE:
        return CATALOGUE[error_type]
    if error_type in CLIENT_FAILURES:
        return CLIENT_FAILURES[error_type]
    if status in STATUS_FALLBACKS:
        return STATUS_FALLBACKS[status]
    if status is not None and 400 <= status < 500:
        return _CLIENT_ERROR_FALLBACK
    return _SERVER_ERROR_FALLBACK


# A write whose answer was lost (PostpressError.unconfirmed): what may have happened, per action.
# The reason (timeout, error page...) comes second, from the entry of the error itself.
UNCONFIRMED_WRITES: dict[str, str] = {
    "send": "The invitation may have been sent: check on the provider before trying again.",
    "withdraw": (
        "The invitation may have been withdrawn: check on the provider before trying again."
    ),
    "chat": "The chat may have been started: check on the provider before trying again.",
    "accept": "The invitation may have been accepted: check on the provider before trying again.",
    "decline": (
        "The invitation may have been declined: check on the provider before trying again."
    ),
}


# Why a write is unconfirmed, in a sentence after UNCONFIRMED_WRITES's words.
UNCONFIRMED_REASONS: dict[str, str] = {
    "client/timeout": "postpress did not answer in time.",
    "client/connection_reset": "The connection was cut off before postpress's answer arrived.",
    "client/html_response": "postpress answered with an error page instead of data.",
    "client/invalid_json": "postpress's answer could not be read.",
    "client/missing_fields": "postpress's answer was incomplete.",
    "client/invalid_fields": "postpress's answer held values the dashboard cannot use.",
    "client/response_too_large": "postpress's answer was too large to read.",
    "client/too_many_items": "postpress's answer was not what was asked for.",
    "errors/request_timeout": "postpress timed out waiting for the provider.",
    "errors/unexpected_error": "postpress reported an unexpected error on its side.",
}
_UNCONFIRMED_FALLBACK = "The request stopped before postpress's answer was recorded."


# The two answers a person gives about an unconfirmed write: it went through, or it did not.
RESOLUTION_LABELS: dict[str, tuple[str, str]] = {
    "send": ("It was sent", "Not sent"),
    "withdraw": ("It was withdrawn", "Still pending"),
    "chat": ("It was started", "Not started"),
    "accept": ("It was accepted", "Not accepted"),
    "decline": ("It was declined", "Not declined"),
}
# Where a person resolves it, said after the words above.
RESOLVE_IN_SENT = "It is listed in Sent invitations, where you can mark what you find."
RESOLVE_IN_ACTIVITY = "It is listed in Activity, where you can mark what you find."


def unconfirmed_message(action: str, error_type: str | None = None) -> str:
    """What a person reads about a write that may have gone through, and, when known, why."""
    if error_type is None:
        return UNCONFIRMED_WRITES[action]
    reason = UNCONFIRMED_REASONS.get(error_type, _UNCONFIRMED_FALLBACK)
    return f"{UNCONFIRMED_WRITES[action]} {reason}"
