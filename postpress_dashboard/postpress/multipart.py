"""The start-chat form fields, in the API's bracket notation, streamed from disk, or from an
upload while it arrives (`streamed_new_chat_body`).

The docs write nested options in brackets (``linkedin[api]``) but leave open how an array
is spelled: their table says ``attendees_ids`` and ``attachments``, their example sends
``attendees_ids[]``. `ArrayStyle` names the three ways a client may send them; the dashboard
chooses one with the POSTPRESS_MULTIPART_ARRAYS setting (docs/api-client.md).
"""

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import uuid4

from requests_toolbelt.multipart.encoder import MultipartEncoder
from urllib3.fields import RequestField

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


class ArrayStyle(StrEnum):
    """How the form spells an array: each item is one field of the same name, the name with
    or without ``[]``."""

    # attendees_ids[] (as the docs' example), attachments and follow-up attachments repeated
    BRACKETS_FOR_ATTENDEES = "brackets-for-attendees"
    # attendees_ids[], attachments[], linkedin[follow_up][attachments][]
    BRACKETS = "brackets"
    # attendees_ids, attachments, linkedin[follow_up][attachments]: the docs' table names
    REPEATED = "repeated"

    def name_of(self, array: str, *, attendees: bool = False) -> str:
        """The field name each item of `array` is sent under."""
        brackets = self is ArrayStyle.BRACKETS or (
            self is ArrayStyle.BRACKETS_FOR_ATTENDEES and attendees
        )
        return f"{array}[]" if brackets else array


DEFAULT_ARRAY_STYLE = ArrayStyle.BRACKETS_FOR_ATTENDEES
FOLLOW_UP = "linkedin[follow_up]"


def new_chat_fields(chat: NewChat, arrays: ArrayStyle = DEFAULT_ARRAY_STYLE) -> list[Field]:
    """Every form field of a start-chat request, in order; optional fields left out when empty."""
    fields: list[Field] = [("account_id", chat.account_id)]
    attendees = arrays.name_of("attendees_ids", attendees=True)
    fields += [(attendees, attendee) for attendee in chat.attendees_ids]
    fields += _optional_texts({"text": chat.text, "subject": chat.subject})
    fields += [(arrays.name_of("attachments"), upload) for upload in chat.attachments]
    if chat.voice_message:
        fields.append(("voice_message", chat.voice_message))
    if chat.video_message:
        fields.append(("video_message", chat.video_message))
    if chat.linkedin is not None:
        fields += _linkedin_fields(chat.linkedin, arrays)
    return fields


def _optional_texts(values: dict[str, str | None]) -> list[Field]:
    return [(name, value) for name, value in values.items() if value]


def _linkedin_fields(options: LinkedInOptions, arrays: ArrayStyle) -> list[Field]:
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
                fields += _follow_up_fields(options.follow_up, arrays)
            return fields


def _follow_up_fields(follow_up: FollowUp, arrays: ArrayStyle) -> list[Field]:
    prefix = FOLLOW_UP
    fields: list[Field] = [
        (f"{prefix}[subject]", follow_up.subject),
        (f"{prefix}[text]", follow_up.text),
    ]
    if follow_up.weeks is not None:
        fields.append((f"{prefix}[scheduled_time][weeks]", str(follow_up.weeks)))
    else:
        fields.append((f"{prefix}[scheduled_time][days]", str(follow_up.days)))
    fields.append((f"{prefix}[scheduled_time][timezone]", follow_up.timezone))
    attachments = arrays.name_of(f"{prefix}[attachments]")
    fields += [(attachments, upload) for upload in follow_up.attachments]
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


# --- a start-chat body whose files arrive while it is sent ----------------------------------

# The roles a streamed file takes in the form; their field names follow the array style.
STREAMED_FILE_ROLES = ("attachments", "voice_message", "video_message", "follow_up_attachments")


@dataclass
class StreamedFile:
    """A file sent while it arrives: `chunks` yields its bytes (and may raise to stop the
    whole request, which then ends without its last chunk)."""

    role: str  # one of STREAMED_FILE_ROLES
    filename: str
    content_type: str
    chunks: Iterable[bytes]


def streamed_file_name(role: str, arrays: ArrayStyle = DEFAULT_ARRAY_STYLE) -> str:
    """The field a streamed file of this role is sent under (as new_chat_fields names it)."""
    if role == "follow_up_attachments":
        return arrays.name_of(f"{FOLLOW_UP}[attachments]")
    if role == "attachments":
        return arrays.name_of("attachments")
    if role in ("voice_message", "video_message"):
        return role
    raise ValueError(f"not a file of a chat: {role}")


def streamed_new_chat_body(
    chat: NewChat,
    files: Iterable[StreamedFile],
    arrays: ArrayStyle = DEFAULT_ARRAY_STYLE,
    *,
    boundary: str | None = None,
) -> tuple[str, Iterator[bytes]]:
    """(content type, body blocks) of a start-chat request whose files come from `files` as
    they arrive: the same parts, in the same order and bytes, as `streaming_encoder` makes of
    `new_chat_fields` for the chat with those files (the chat's own files are not sent).

    Text parts before the files are those new_chat_fields puts before attachments; the
    LinkedIn options go after the voice and video messages, before follow-up attachments, as
    there. The body is sent without a length (chunked): it is known only once sent.
    """
    boundary = boundary or uuid4().hex
    no_files = replace(chat, attachments=(), voice_message=None, video_message=None)
    if isinstance(chat.linkedin, RecruiterOptions) and chat.linkedin.follow_up is not None:
        linkedin = replace(
            chat.linkedin, follow_up=replace(chat.linkedin.follow_up, attachments=())
        )
        no_files = replace(no_files, linkedin=linkedin)
    texts = new_chat_fields(no_files, arrays)
    head = [(name, value) for name, value in texts if not name.startswith("linkedin[")]
    linkedin_texts = [(name, value) for name, value in texts if name.startswith("linkedin[")]
    return f"multipart/form-data; boundary={boundary}", _streamed_parts(
        boundary, head, linkedin_texts, files, arrays
    )


def _streamed_parts(
    boundary: str,
    head: list[Field],
    linkedin_texts: list[Field],
    files: Iterable[StreamedFile],
    arrays: ArrayStyle,
) -> Iterator[bytes]:
    delimiter = f"--{boundary}\r\n".encode()
    pending: list[bytes] = [delimiter]  # small pieces are joined into the next block sent

    def text_parts(fields: list[Field]) -> None:
        for name, value in fields:
            text = value if isinstance(value, str) else ""  # no file: built without them
            pending.append(_part_headers(name, None, None) + text.encode() + b"\r\n" + delimiter)

    text_parts(head)
    linkedin_sent = False
    for file in files:
        if file.role == "follow_up_attachments" and not linkedin_sent:
            text_parts(linkedin_texts)
            linkedin_sent = True
        name = streamed_file_name(file.role, arrays)
        pending.append(_part_headers(name, file.filename, file.content_type))
        for chunk in file.chunks:
            if pending:
                pending.append(chunk)
                chunk = b"".join(pending)
                pending.clear()
            if chunk:
                yield chunk
        pending.append(b"\r\n" + delimiter)
    if not linkedin_sent:
        text_parts(linkedin_texts)
    # The last delimiter becomes the closing one: "--boundary--\r\n".
    closing = b"".join(pending)
    yield closing[: -len(delimiter)] + f"--{boundary}--\r\n".encode()


def _part_headers(name: str, filename: str | None, content_type: str | None) -> bytes:
    field = RequestField(name=name, data=b"", filename=filename)
    field.make_multipart(content_type=content_type)
    return field.render_headers().encode()
