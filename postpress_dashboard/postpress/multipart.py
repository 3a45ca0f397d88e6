"""The start-chat form fields, in the API's bracket notation, streamed from disk."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from requests_toolbelt.multipart.encoder import MultipartEncoder

from postpress_dashboard.postpress.schemas import (
    ClassicOptions,
    FollowUp,
    LinkedInOptions,
    NewChat,
    RecruiterOptions,
    SalesNavigatorOptions,
    Upload,
)

Field = tuple[str, str | Upload]


def new_chat_fields(chat: NewChat) -> list[Field]:
    """Every form field of a start-chat request, in order; optional fields left out when empty."""
    fields: list[Field] = [("account_id", chat.account_id)]
    fields += [("attendees_ids[]", attendee) for attendee in chat.attendees_ids]
    fields += _optional_texts({"text": chat.text, "subject": chat.subject})
    fields += [("attachments", upload) for upload in chat.attachments]
    if chat.voice_message:
        fields.append(("voice_message", chat.voice_message))
    if chat.video_message:
        fields.append(("video_message", chat.video_message))
    if chat.linkedin is not None:
        fields += _linkedin_fields(chat.linkedin)
    return fields


def _optional_texts(values: dict[str, str | None]) -> list[Field]:
    return [(name, value) for name, value in values.items() if value]


def _linkedin_fields(options: LinkedInOptions) -> list[Field]:
    match options:
        case ClassicOptions():
            fields: list[Field] = [("linkedin[api]", "classic")]
            if options.inmail:
                fields.append(("linkedin[inmail]", "true"))
            return fields + _optional_texts(
                {
                    "linkedin[topic]": options.topic,
                    "linkedin[applicant_id]": options.applicant_id,
                    "linkedin[invitation_id]": options.invitation_id,
                }
            )
        case SalesNavigatorOptions():
            return [("linkedin[api]", "sales_navigator")]
        case RecruiterOptions():
            fields = [("linkedin[api]", "recruiter")]
            fields += _optional_texts(
                {
                    "linkedin[signature]": options.signature,
                    "linkedin[hiring_project_id]": options.hiring_project_id,
                    "linkedin[job_posting_id]": options.job_posting_id,
                    "linkedin[sourcing_channel]": options.sourcing_channel,
                    "linkedin[email_address]": options.email_address,
                    "linkedin[visibility]": options.visibility,
                }
            )
            if options.follow_up is not None:
                fields += _follow_up_fields(options.follow_up)
            return fields


def _follow_up_fields(follow_up: FollowUp) -> list[Field]:
    prefix = "linkedin[follow_up]"
    fields: list[Field] = [
        (f"{prefix}[subject]", follow_up.subject),
        (f"{prefix}[text]", follow_up.text),
    ]
    if follow_up.weeks is not None:
        fields.append((f"{prefix}[scheduled_time][weeks]", str(follow_up.weeks)))
    else:
        fields.append((f"{prefix}[scheduled_time][days]", str(follow_up.days)))
    fields.append((f"{prefix}[scheduled_time][timezone]", follow_up.timezone))
    fields += [(f"{prefix}[attachments]", upload) for upload in follow_up.attachments]
    return fields


@contextmanager
def streaming_encoder(fields: list[Field]) -> Iterator[MultipartEncoder]:
    """A multipart body that reads each file from disk while it is sent, never all at once.

    Files are opened afresh for every attempt and closed afterwards.
    """
    with ExitStack() as files:
        encoder_fields = [(name, _encoder_value(value, files)) for name, value in fields]
        yield MultipartEncoder(fields=encoder_fields)


def _encoder_value(value: str | Upload, files: ExitStack) -> object:
    if isinstance(value, Upload):
        return (value.filename, files.enter_context(value.open()), value.content_type)
    return value
