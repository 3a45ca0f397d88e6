"""Forwarding a chat's upload to postpress while it arrives (docs/chats.md, "Uploads").

From CHAT_UPLOAD_STREAM_FROM_BYTES on, the composer's body is not stored first. `ChatUpload`
reads its text fields (the form sends them before the files), stopping at the first file;
the view validates them with the form as always. `ChatUpload.start` then reads that file's
first bytes and checks them, and the caps the body's length already tells, all before
anything is sent: a refusal so far is a plain refusal. Then `files()` hands postpress each
file as it arrives (services.chat_start_streamed), checked on the way: the file count, the
per-file and per-chat caps, each later file's type by its first bytes, text as UTF-8 as it
passes. A check failing once the request to postpress has opened raises UploadStopped inside
that request, which then ends without its last chunk: the chat is unconfirmed. So does a part
that cannot be read (headers over MAX_PART_HEADER_BYTES, a Content-Disposition that cannot be
parsed) and any unexpected error while the files are read: never a server error once part of
the body went. Before the request opened, the same are plain refusals with words.

Memory stays flat: a block of the browser's body at a time (READ_BYTES), handed on as it is.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.http import HttpRequest, QueryDict
from django.utils.http import parse_header_parameters

from chats.forms import EMPTY_FILE, FILE_FIELDS, FILE_LABELS, field_refusal, kind_problem
from chats.rules import ChatFields
from chats.services import SentFile
from chats.uploads import (
    SNIFF_BYTES,
    UPLOAD_INTERRUPTED,
    Kind,
    TextCheck,
    UploadStopped,
    file_too_big,
    files_too_big,
    safe_filename,
    sniff,
    text_kind,
    too_many_files,
)
from postpress_dashboard.postpress.multipart import StreamedFile
from postpress_dashboard.teams.models import LinkedAccount

logger = logging.getLogger(__name__)

# Bytes asked of the browser's body at a time (as CappedUploadHandler.chunk_size).
READ_BYTES = 1024 * 1024
# A part's headers longer than this are refused, however they arrive (Django's parser allows
# 8 KiB too).
MAX_PART_HEADER_BYTES = 8 * 1024
# What one part may take in the body besides its data: its boundary line and headers.
PART_ALLOWANCE = MAX_PART_HEADER_BYTES + 128
FOLLOW_UP_FIRST = "A follow-up needs a subject and a message."
INTERRUPTED_WHILE_SENT = "The upload was interrupted before every file arrived."
NOT_A_FORM = "The upload could not be read as the composer's form."
# Before anything was sent: the text is kept, the files are chosen again.
NOT_A_FORM_BEFORE = f"{NOT_A_FORM[:-1]}: choose the files again."
READ_FAILED = "Reading the upload failed part-way."


def streams(request: HttpRequest) -> bool:
    """Whether this post is forwarded while it arrives: a multipart body of at least
    CHAT_UPLOAD_STREAM_FROM_BYTES (None: never), and not the no-JavaScript "refresh"."""
    threshold: int | None = settings.CHAT_UPLOAD_STREAM_FROM_BYTES
    if threshold is None or request.method != "POST" or "refresh" in request.GET:
        return False
    try:
        media_type, parameters = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    except (ValueError, LookupError):
        return False  # left to Django's own parser, which refuses it
    if media_type != "multipart/form-data" or not parameters.get("boundary"):
        return False
    length = _content_length(request)
    return length is not None and length > 0 and length >= threshold


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class _CutOff(Exception):
    """The browser's body ended (or failed) before its end."""


@dataclass(frozen=True)
class PartHead:
    name: str
    filename: str | None  # None for a text field; "" for a file input left empty
    content_type: str
    # A Content-Disposition line that could not be parsed: what the part is cannot be told
    # (a file the person chose, maybe), so it is refused rather than skipped.
    unreadable: bool = False


class MultipartReader:
    """A multipart/form-data body read part by part as it arrives, READ_BYTES at a time.

    A part's data comes in pieces (`chunks`): the blocks as read, as views where possible, so
    no byte is copied on its way through but for the few that might begin a delimiter.
    """

    def __init__(self, read: Callable[[int], bytes], boundary: bytes, length: int) -> None:
        self._read = read
        self._left = length
        self._delimiter = b"\r\n--" + boundary
        # The body opens with "--boundary": read as any other delimiter after this line end.
        self._buffer = b"\r\n"
        self.ended = False  # the closing delimiter has been read

    def _more(self) -> bytes:
        if self._left <= 0:
            raise _CutOff
        try:
            data = self._read(min(READ_BYTES, self._left))
        except Exception as error:  # UnreadablePostError, a reset, the server's own errors
            raise _CutOff from error
        if not data:
            raise _CutOff
        self._left -= len(data)
        return data

    def chunks(self) -> Iterator[bytes | memoryview]:
        """The current part's data, up to the next delimiter (which stays in the buffer)."""
        delimiter = self._delimiter
        keep = len(delimiter) - 1  # a delimiter may begin in these last bytes
        buffer = self._buffer
        while True:
            at = buffer.find(delimiter)
            if at >= 0:
                if at:
                    yield memoryview(buffer)[:at]
                self._buffer = buffer[at:]
                return
            if len(buffer) > keep:
                yield memoryview(buffer)[: len(buffer) - keep]
                buffer = buffer[len(buffer) - keep :]
            self._buffer = buffer  # what is kept, should reading fail
            data = self._more()
            if len(data) < keep:
                buffer += data  # too short to tell where a delimiter begun here would end
                continue
            # A delimiter across the kept bytes and the new block: looked for without copying
            # the block, which then becomes the buffer as it is.
            straddle = buffer + data[:keep]
            at = straddle.find(delimiter)
            if at >= 0:
                if at:
                    yield straddle[:at]
                self._buffer = (buffer + data)[at:]
                return
            if buffer:
                yield buffer
            buffer = data

    def next_part(self) -> PartHead | None:
        """The next part's headers, what is left of the current part skipped; None once the
        closing delimiter is read."""
        if self.ended:
            return None
        for _ in self.chunks():
            pass
        size = len(self._delimiter) + 2
        while len(self._buffer) < size:
            self._buffer += self._more()
        if self._buffer[len(self._delimiter) : size] == b"--":
            self.ended = True
            self._buffer = b""
            return None
        start = len(self._delimiter)
        while (end := self._buffer.find(b"\r\n\r\n", start)) < 0:
            if len(self._buffer) - start >= MAX_PART_HEADER_BYTES + 4:
                raise BadRequest("A part's headers are too long.")  # their end is beyond
            self._buffer += self._more()
        if end - start > MAX_PART_HEADER_BYTES:  # found, within the block just read
            raise BadRequest("A part's headers are too long.")
        block = self._buffer[start:end]
        self._buffer = self._buffer[end + 4 :]
        return _part_head(block)

    @property
    def left(self) -> int:
        """Bytes of the body not yet handed out (read or not)."""
        return self._left + len(self._buffer)

    def drain(self) -> None:
        """Read what is left of the body without keeping it, so the browser gets the answer
        (as Django's parser does after an upload stopped at a cap)."""
        self._buffer = b""
        try:
            while self._left > 0:
                self._more()
        except _CutOff:
            pass


def _part_head(block: bytes) -> PartHead:
    padding, _, headers = block.partition(b"\r\n")
    if padding.strip(b" \t"):
        raise BadRequest("A multipart boundary is followed by other characters.")
    name, filename, content_type, unreadable = None, None, "", False
    for line in headers.split(b"\r\n"):
        key, _, value = line.decode("utf-8", "replace").partition(":")
        key = key.strip().lower()
        if key == "content-disposition":
            try:
                disposition, parameters = parse_header_parameters(value.strip())
            except (ValueError, LookupError):
                # Too long, or an RFC 2231 value in an unknown charset: the line is skipped,
                # as Django's parser skips it, and the part marked.
                unreadable = True
                continue
            if disposition == "form-data":
                name = parameters.get("name")
                filename = parameters.get("filename")
        elif key == "content-type":
            content_type = value.strip()
    if name is None:
        # Not a form field: skipped, as Django's parser does (unless it may have been one).
        return PartHead("", None, "", unreadable)
    return PartHead(name, filename, content_type)


@dataclass(frozen=True)
class Refusal:
    """A refusal before anything was sent: at `field`, or at the top (files not kept)."""

    field: str | None
    words: str


@dataclass(frozen=True)
class _Checked:
    part: PartHead
    name: str  # the safe name, as chosen
    kind: Kind
    head: list[bytes | memoryview]
    ended: bool  # the file ended within its head
    text: TextCheck | None  # set while a text file passes


class ChatUpload:
    """The composer's body, forwarded while it arrives. `sent` lists the files as they went."""

    def __init__(self, request: HttpRequest) -> None:
        _, parameters = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
        boundary = parameters.get("boundary", "")
        if not boundary or not boundary.isascii() or len(boundary) > 200:
            raise BadRequest("Invalid boundary in multipart.")
        self._reader = MultipartReader(
            request.read, boundary.encode("ascii"), _content_length(request) or 0
        )
        self.problem = ""  # the body stopped before its first file: words for the person
        self.sent: list[SentFile] = []
        self._first: PartHead | None = None
        self._part_data: Iterator[bytes | memoryview] = iter(())
        self._checked: _Checked | None = None
        self._fields: ChatFields | None = None
        self._account: LinkedAccount | None = None
        self._follow_up = False
        self._files = 0
        self._request_bytes = 0
        self._singles: set[str] = set()

    @property
    def has_files(self) -> bool:
        return self._first is not None

    def read_fields(self) -> QueryDict:
        """The text fields, up to the first file (or the end). Bounded as Django bounds them
        (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS)."""
        fields = QueryDict(mutable=True)
        size, count = 0, 0
        most = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            while (part := self._reader.next_part()) is not None:
                if part.unreadable:
                    raise BadRequest("A part's Content-Disposition cannot be read.")
                if part.filename is None:
                    if not part.name:
                        continue
                    count += 1
                    if settings.DATA_UPLOAD_MAX_NUMBER_FIELDS and (
                        count > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
                    ):
                        raise TooManyFieldsSent("Too many fields in the form.")
                    value = bytearray()
                    for piece in self._reader.chunks():
                        value += piece
                        if most is not None and size + len(part.name) + len(value) > most:
                            raise RequestDataTooBig("The form's text is too large.")
                    size += len(part.name) + len(value)
                    fields.appendlist(part.name, value.decode("utf-8", "replace"))
                elif part.filename and part.name in FILE_FIELDS:
                    self._first = part
                    self._part_data = self._reader.chunks()
                    break
                # An empty file input, or a file under a name the form has no field for: skipped,
                # as the form ignores it.
        except _CutOff:
            self.problem = UPLOAD_INTERRUPTED
        except SuspiciousOperation:
            raise  # too many fields, too much text: Django's own 400, as on any form
        except BadRequest:
            self.problem = NOT_A_FORM_BEFORE
        except Exception:
            logger.exception("Reading a streamed chat upload's fields failed")
            self.problem = NOT_A_FORM_BEFORE
        fields._mutable = False
        return fields

    def start(
        self, *, fields: ChatFields, account: LinkedAccount, follow_up: bool
    ) -> Refusal | None:
        """Check what can be checked before anything is sent, for this account and API: the
        caps the body's length already passes, and the first file (its field, its first
        bytes). None when the files may start to go."""
        self._fields, self._account, self._follow_up = fields, account, follow_up
        if self._first is None:
            return None
        # However its parts are cut, a body this long carries more file bytes than the cap.
        allowance = (settings.CHAT_UPLOAD_MAX_FILES + len(FILE_FIELDS)) * PART_ALLOWANCE
        if self._reader.left > settings.CHAT_UPLOAD_MAX_REQUEST_BYTES + allowance:
            return Refusal(None, files_too_big())
        try:
            if problem := self._admit(self._first):
                return Refusal(self._first.name, problem)
            checked = self._check(self._first, self._part_data)
        except _CutOff:
            return Refusal(None, UPLOAD_INTERRUPTED)
        except UploadStopped as stopped:
            return Refusal(self._first.name, stopped.reason)
        except Exception:
            logger.exception("Checking a streamed chat upload's first file failed")
            return Refusal(None, NOT_A_FORM_BEFORE)
        size = sum(len(piece) for piece in checked.head)
        if size > settings.CHAT_UPLOAD_MAX_FILE_BYTES:
            return Refusal(None, file_too_big(checked.name))
        if size > settings.CHAT_UPLOAD_MAX_REQUEST_BYTES:
            return Refusal(None, files_too_big())
        self._checked = checked  # its head is counted again as it goes
        return None

    def files(self) -> Iterator[StreamedFile]:
        """Each file as it arrives, for postpress; raises UploadStopped (inside the request
        that reads it) at the first check that fails."""
        if self._checked is None:
            return
        try:
            yield self._streamed(self._checked, self._part_data)
            while (part := self._reader.next_part()) is not None:
                if part.unreadable:
                    raise UploadStopped(NOT_A_FORM)
                if part.filename is None or not part.filename or part.name not in FILE_FIELDS:
                    continue  # text after the files, an empty file input: not the form's
                if problem := self._admit(part):
                    raise UploadStopped(problem)
                data = self._reader.chunks()
                yield self._streamed(self._check(part, data), data)
        except _CutOff:
            raise UploadStopped(INTERRUPTED_WHILE_SENT) from None
        except BadRequest:
            raise UploadStopped(NOT_A_FORM) from None
        except UploadStopped:
            raise
        except Exception as error:
            # After the request opened: a stop like any other, never a server error.
            logger.exception("Reading a streamed chat upload's files failed")
            raise UploadStopped(READ_FAILED) from error

    def drain(self) -> None:
        self._reader.drain()

    # --- checks ----------------------------------------------------------------------------

    def _admit(self, part: PartHead) -> str:
        """Why this file may not go at all (by its field, and the count), or ""."""
        if self._fields is None or self._account is None:
            raise RuntimeError("start() checks the first file before any other")
        self._files += 1
        if self._files > settings.CHAT_UPLOAD_MAX_FILES:
            return too_many_files()
        if refusal := field_refusal(part.name, self._fields, self._account):
            return refusal
        if part.name == "follow_up_attachments" and not self._follow_up:
            return FOLLOW_UP_FIRST
        if part.name in ("voice_message", "video_message"):
            if part.name in self._singles:
                return f"A chat carries one {FILE_LABELS[part.name].lower()}."
            self._singles.add(part.name)
        return ""

    def _check(self, part: PartHead, data: Iterator[bytes | memoryview]) -> _Checked:
        """The file's first bytes, read until its kind can be told, and its kind."""
        name = safe_filename(part.filename or "file")
        head: list[bytes | memoryview] = []
        size, ended = 0, False
        while size < SNIFF_BYTES:
            piece = next(data, None)
            if piece is None:
                ended = True
                break
            head.append(piece)
            size += len(piece)
        first = b"".join(bytes(piece[:SNIFF_BYTES]) for piece in head)[:SNIFF_BYTES]
        if ended and size == 0:
            raise UploadStopped(f"“{name}”: {EMPTY_FILE['empty']}")
        kind, text = sniff(first), None
        if kind is None:
            check = TextCheck()
            if all(check.feed(piece) for piece in head) and (
                not ended or check.feed(b"", final=True)
            ):
                kind, text = text_kind(name), check
        problem = kind_problem(kind, name, part.name)
        if problem or kind is None:  # kind_problem refuses None
            raise UploadStopped(problem)
        return _Checked(part, name, kind, head, ended, None if ended else text)

    def _streamed(self, checked: _Checked, data: Iterator[bytes | memoryview]) -> StreamedFile:
        return StreamedFile(
            role=checked.part.name,
            filename=checked.kind.file_name(checked.name),
            content_type=checked.kind.content_type,
            chunks=self._passing(checked, data),
        )

    def _passing(
        self, checked: _Checked, data: Iterator[bytes | memoryview]
    ) -> Iterator[bytes | memoryview]:
        """The file's bytes, its head (already checked as text) first, counted against the
        caps as they pass."""
        size = 0
        try:
            for piece in checked.head:
                size = self._count(checked, size, len(piece))
                yield piece
            if not checked.ended:
                text = checked.text
                for piece in data:
                    size = self._count(checked, size, len(piece))
                    if text is not None and not text.feed(piece):
                        raise UploadStopped(kind_problem(None, checked.name, checked.part.name))
                    yield piece
                if text is not None and not text.feed(b"", final=True):
                    raise UploadStopped(kind_problem(None, checked.name, checked.part.name))
        except _CutOff:
            raise UploadStopped(INTERRUPTED_WHILE_SENT) from None
        except UploadStopped:
            raise
        except Exception as error:
            # After the request opened: a stop like any other, never a server error.
            logger.exception("Reading a streamed chat upload's file failed")
            raise UploadStopped(READ_FAILED) from error
        self.sent.append(SentFile(name=checked.kind.file_name(checked.name), size=size))

    def _count(self, checked: _Checked, size: int, more: int) -> int:
        self._request_bytes += more
        if size + more > settings.CHAT_UPLOAD_MAX_FILE_BYTES:
            raise UploadStopped(file_too_big(checked.name))
        if self._request_bytes > settings.CHAT_UPLOAD_MAX_REQUEST_BYTES:
            raise UploadStopped(files_too_big())
        return size + more
