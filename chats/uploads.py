"""Chat uploads: caps enforced while the upload streams in, types checked by content, names
made safe. Every file lands in a temporary file on disk, so the client streams it onward."""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

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

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.problem = ""
        self._files = 0
        self._file_bytes = 0
        self._request_bytes = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self._files += 1
        self._file_bytes = 0
        if self._files > settings.CHAT_UPLOAD_MAX_FILES:
            self._stop(f"At most {settings.CHAT_UPLOAD_MAX_FILES} files can go with one chat.")
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._file_bytes += len(raw_data)
        self._request_bytes += len(raw_data)
        if self._file_bytes > settings.CHAT_UPLOAD_MAX_FILE_BYTES:
            limit = human_size(settings.CHAT_UPLOAD_MAX_FILE_BYTES)
            self._stop(f"“{self.file_name}” is larger than {limit}, the most one file may be.")
        if self._request_bytes > settings.CHAT_UPLOAD_MAX_REQUEST_BYTES:
            limit = human_size(settings.CHAT_UPLOAD_MAX_REQUEST_BYTES)
            self._stop(f"The files together are larger than {limit}, the most one chat may carry.")
        return super().receive_data_chunk(raw_data, start)

    def _stop(self, problem: str) -> None:
        self.problem = problem
        if getattr(self, "file", None) is not None:
            self.file.close()  # removes the temporary file
        raise StopUpload(connection_reset=False)


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
    family: str  # image, audio, video, document, archive


def sniff(head: bytes) -> Kind | None:
    """The kind of file these first bytes (at least 16) belong to, or None."""
    if head.startswith(b"%PDF-"):
        return Kind("PDF", "application/pdf", "document")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("PNG", "image/png", "image")
    if head.startswith(b"\xff\xd8\xff"):
        return Kind("JPEG", "image/jpeg", "image")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Kind("GIF", "image/gif", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("WebP", "image/webp", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Kind("WAV", "audio/wav", "audio")
    if head.startswith(b"OggS"):
        return Kind("Ogg", "audio/ogg", "audio")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Kind("MP3", "audio/mpeg", "audio")
    if head[4:8] == b"ftyp":
        return _iso_media(head[8:12])
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Kind("WebM", "video/webm", "video")
    if head.startswith(b"PK\x03\x04"):
        return Kind("ZIP or Office document", "application/zip", "archive")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Kind("Office document", "application/msword", "document")
    return None


def _iso_media(brand: bytes) -> Kind:
    if brand in (b"M4A ", b"M4B "):
        return Kind("M4A", "audio/mp4", "audio")
    if brand == b"qt  ":
        return Kind("QuickTime", "video/quicktime", "video")
    return Kind("MP4", "video/mp4", "video")


# What each field takes, by family. M4A voice notes are MP4 containers: "video" mp4 brands
# other than M4A are still refused as voice messages.
ACCEPTED_FAMILIES = {
    "attachments": frozenset({"image", "audio", "video", "document", "archive"}),
    "voice_message": frozenset({"audio"}),
    "video_message": frozenset({"video"}),
}
