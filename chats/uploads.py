"""Chat uploads: caps enforced while the upload streams in, types checked by content, names
made safe. Every file lands in a temporary file on disk, so the client streams it onward."""

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.utils.formats import number_format

MAX_NAME_LENGTH = 100


def human_size(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{number_format(megabytes, 1)} MB" if megabytes >= 1 else f"{size // 1024 + 1} KB"


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Writes every file to a temporary file and stops as soon as a cap is passed.

    The problem is kept in `problem` (words for the person); the view shows it with the text
    fields, which the form sends before the files, kept.
    """

    # Django's default is 64 KiB: a large video then costs thousands of trips through the
    # multipart parser, which made receiving slower than forwarding. 1 MiB is still small.
    chunk_size = 1024 * 1024

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.problem = ""
        self._files = 0
        self._file_bytes = 0
        self._request_bytes = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self._files += 1
        self._file_bytes = 0
        if self._files > settings.CHAT_UPLOAD_MAX_FILES:
            self._stop(too_many_files())
        # The temporary file takes the name's extension: a safe name keeps it short and plain.
        super().new_file(field_name, safe_filename(file_name), *args, **kwargs)

    def upload_interrupted(self) -> None:
        # The body was cut off (a cancelled or dropped upload): never send the chat without it.
        self.problem = UPLOAD_INTERRUPTED
        super().upload_interrupted()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._file_bytes += len(raw_data)
        self._request_bytes += len(raw_data)
        if self._file_bytes > settings.CHAT_UPLOAD_MAX_FILE_BYTES:
            self._stop(file_too_big(self.file_name))
        if self._request_bytes > settings.CHAT_UPLOAD_MAX_REQUEST_BYTES:
            self._stop(files_too_big())
        return super().receive_data_chunk(raw_data, start)

    def _stop(self, problem: str) -> None:
        self.problem = problem
        if getattr(self, "file", None) is not None:
            self.file.close()  # removes the temporary file
        raise StopUpload(connection_reset=False)


UPLOAD_INTERRUPTED = "The upload was interrupted before every file arrived: choose them again."


def too_many_files() -> str:
    return f"At most {settings.CHAT_UPLOAD_MAX_FILES} files can go with one chat."


def file_too_big(name: str) -> str:
    limit = human_size(settings.CHAT_UPLOAD_MAX_FILE_BYTES)
    return f"“{name}” is larger than {limit}, the most one file may be."


def files_too_big() -> str:
    limit = human_size(settings.CHAT_UPLOAD_MAX_REQUEST_BYTES)
    return f"The files together are larger than {limit}, the most one chat may carry."


class UploadStopped(Exception):
    """An upload being forwarded while it arrives stopped part-way: a cap passed, a file of a
    type the field does not take, text that stopped being UTF-8, the browser's body cut off.
    `reason` is in words for the person. (Not an OSError: raised inside the request to
    postpress, it must never read as a broken connection there.)"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def safe_filename(name: str) -> str:
    """The last path component, NFKC-normalized, in letters, digits and a few marks."""
    name = unicodedata.normalize("NFKC", name)
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = re.sub(r"[^\w.\- ()]", "_", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if dot and len(extension) <= 10:
        return f"{stem[: MAX_NAME_LENGTH - len(extension) - 1]}.{extension}" if stem else "file"
    return name[:MAX_NAME_LENGTH] or "file"


# --- types by content ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    content_type: str
    family: str  # image, audio, video, document, archive, text
    extensions: tuple[str, ...]  # the first is the one a file name gets when it has none

    def file_name(self, name: str) -> str:
        """`name` with an extension of this kind: the provider and the recipient go by the
        name, so "evil.html" sent as a PDF leaves as "evil.pdf"."""
        stem, dot, extension = name.rpartition(".")
        if dot and stem and extension.lower() in self.extensions:
            return name
        stem = stem if dot and stem else name
        return f"{stem[: MAX_NAME_LENGTH - len(self.extensions[0]) - 1]}.{self.extensions[0]}"


# Office Open XML and OpenDocument files are ZIP archives inside.
ZIP_EXTENSIONS = ("zip", "docx", "xlsx", "pptx", "odt", "ods", "odp")


# The first bytes sniff() is given: enough for an ISO media file's first compatible brands.
SNIFF_BYTES = 64


def sniff(head: bytes) -> Kind | None:
    """The kind of file these first bytes (at least 16) belong to, or None."""
    if head.startswith(b"%PDF-"):
        return Kind("PDF", "application/pdf", "document", ("pdf",))
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("PNG", "image/png", "image", ("png",))
    if head.startswith(b"\xff\xd8\xff"):
        return Kind("JPEG", "image/jpeg", "image", ("jpg", "jpeg", "jpe"))
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Kind("GIF", "image/gif", "image", ("gif",))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("WebP", "image/webp", "image", ("webp",))
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Kind("WAV", "audio/wav", "audio", ("wav",))
    if head.startswith(b"OggS"):
        return Kind("Ogg", "audio/ogg", "audio", ("ogg", "oga", "opus"))
    if head.startswith(b"ID3") or _mp3_frame(head):
        return Kind("MP3", "audio/mpeg", "audio", ("mp3",))
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Kind("WebM", "video/webm", "video", ("webm",))
    if head.startswith(b"PK\x03\x04"):
        return Kind(
            "ZIP or Office document",
            "application/zip",
            "archive",
            ("zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Kind("Office document", "application/msword", "document", ("doc", "xls", "ppt"))
    return None


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: 11 sync bits, a known version, layer III."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, sampling = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 15) and sampling != 0b11


# ISO media brands by what they hold (the major brand, at bytes 8-11); others are not accepted.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis"})  # HEVC-coded HEIF images
_HEIF_BRANDS = frozenset({b"mif1", b"heif"})  # HEIF images, whatever their coding
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"F4A "})
_VIDEO_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"avc1",
        b"M4V ",
        b"M4VP",
        b"3gp4",
        b"3gp5",
        b"3g2a",
        b"dash",
        b"MSNV",
        b"f4v ",
    }
)


def _iso_media(head: bytes) -> Kind | None:
    brand = head[8:12]
    if brand in _HEIC_BRANDS:
        return Kind("HEIC", "image/heic", "image", ("heic", "heif", "hif"))
    if brand == b"avif" or (brand in _HEIF_BRANDS and b"avif" in _compatible_brands(head)):
        return Kind("AVIF", "image/avif", "image", ("avif",))
    if brand in _HEIF_BRANDS:
        return Kind("HEIF", "image/heif", "image", ("heif", "heic", "hif"))
    if brand in _AUDIO_BRANDS:
        return Kind("M4A", "audio/mp4", "audio", ("m4a",))
    if brand == b"qt  ":
        return Kind("QuickTime", "video/quicktime", "video", ("mov",))
    if brand in _VIDEO_BRANDS:
        return Kind("MP4", "video/mp4", "video", ("mp4", "m4v"))
    return None


def _compatible_brands(head: bytes) -> list[bytes]:
    """The ftyp box's compatible brands that lie within `head` (4 bytes each, from byte 16)."""
    end = min(int.from_bytes(head[:4], "big"), len(head))
    return [head[start : start + 4] for start in range(16, end - 3, 4)]


# --- text, which has no magic bytes ----------------------------------------------------------

TEXT_CHUNK = 64 * 1024
# Characters no text file holds: C0 controls other than tab, line feed, form feed and carriage
# return (NUL first of all), and DEL. A file with one is taken for binary.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
PLAIN_TEXT = Kind("plain text", "text/plain", "text", ("txt",))
CSV = Kind("CSV", "text/csv", "text", ("csv",))
TEXT_EXTENSIONS = ("txt", "csv")


class TextCheck:
    """UTF-8 text checked as it passes, a piece at a time: valid UTF-8, an optional byte order
    mark, and no control characters beyond tab and line breaks."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        self.is_text = True

    def feed(self, data: bytes | memoryview, *, final: bool = False) -> bool:
        """False from the first piece that is not text on; `final` for the last piece (a
        sequence cut off at the end is not text)."""
        if self.is_text:
            try:
                self.is_text = not _NOT_TEXT.search(self._decoder.decode(data, final=final))
            except UnicodeDecodeError:
                self.is_text = False
        return self.is_text


def is_utf8_text(handle: IO[bytes]) -> bool:
    """True when the whole file (read in chunks, then rewound) is UTF-8 text (TextCheck)."""
    check = TextCheck()
    try:
        while chunk := handle.read(TEXT_CHUNK):
            if not check.feed(chunk):
                return False
        return check.feed(b"", final=True)
    finally:
        handle.seek(0)


def text_kind(name: str) -> Kind:
    """Text goes as CSV when its name says so, otherwise as plain text (and named .txt)."""
    return CSV if name.rpartition(".")[2].lower() == "csv" else PLAIN_TEXT


def claims_text(name: str) -> bool:
    stem, dot, extension = name.rpartition(".")
    return bool(dot and stem) and extension.lower() in TEXT_EXTENSIONS


def sniff_file(handle: IO[bytes], name: str) -> Kind | None:
    """The kind of an uploaded file: by its first bytes, else text when it all is UTF-8 text.

    Text has no magic bytes, so it is recognised by reading it whole; it is sent as text/plain
    (or text/csv for a .csv name) under a .txt (.csv) name, whatever it held: an HTML page
    leaves as "page.txt", shown as the text it is, never rendered.
    """
    kind = sniff(handle.read(SNIFF_BYTES))
    handle.seek(0)
    if kind is None and is_utf8_text(handle):
        kind = text_kind(name)
    return kind


# What each field takes, by family. M4A voice notes are MP4 containers: "video" mp4 brands
# other than M4A are still refused as voice messages.
ACCEPTED_FAMILIES = {
    "attachments": frozenset({"image", "audio", "video", "document", "archive", "text"}),
    "voice_message": frozenset({"audio"}),
    "video_message": frozenset({"video"}),
}
