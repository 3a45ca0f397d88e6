"""Streaming multipart/form-data parsing that keeps no uploaded file in memory or on disk."""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from postpress_dashboard.sandbox.errors import ApiError
from postpress_dashboard.sandbox.models import ReceivedFile
from postpress_dashboard.sandbox.request import SandboxRequest

# What the parser is told of a chunked body's length (it reads until the body ends): the same
# limits then hold as for a body with a Content-Length, Django's on fields and files.
UNKNOWN_LENGTH = 2**62


@dataclass(frozen=True)
class MultipartForm:
    fields: dict[str, list[str]]
    files: list[ReceivedFile]

    def names(self) -> set[str]:
        return set(self.fields) | {file.field_name for file in self.files}

    def files_in(self, field_name: str) -> list[ReceivedFile]:
        return [file for file in self.files if file.field_name == field_name]


class DigestingUploadHandler(FileUploadHandler):
    """Measures and hashes each file chunk by chunk, then drops the bytes.

    The sandbox only needs to tell the client what it received, so it never stores uploads.
    """

    def __init__(self) -> None:
        super().__init__()
        self.received_files: list[ReceivedFile] = []
        self._sha256 = hashlib.sha256()
        self._size = 0

    def new_file(self, field_name: str, file_name: str, content_type: str, *args: object) -> None:
        super().new_file(field_name, file_name, content_type, *args)
        self._sha256 = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._sha256.update(raw_data)
        self._size += len(raw_data)

    def file_complete(self, file_size: int) -> None:
        self.received_files.append(
            ReceivedFile(
                field_name=self.field_name,
                filename=self.file_name,
                content_type=self.content_type,
                size=self._size,
                sha256=self._sha256.hexdigest(),
            )
        )
        # Returning no file object keeps the parser from storing one: the record is enough.


def parse_multipart_form(request: SandboxRequest) -> MultipartForm:
    if request.media_type != "multipart/form-data":
        raise ApiError(
            "errors/malformed_request",
            f"Send the body as multipart/form-data, not {request.media_type or 'nothing'}.",
        )
    handler = DigestingUploadHandler()
    # Django's parser reads until the body ends; the length only tells it whether there is one.
    length = UNKNOWN_LENGTH if request.content_length is None else request.content_length
    meta = {"CONTENT_TYPE": request.content_type, "CONTENT_LENGTH": length}
    try:
        fields, _ = MultiPartParser(meta, request.body, [handler]).parse()
    except MultiPartParserError as error:
        raise ApiError("errors/malformed_request", f"Unreadable multipart body: {error}") from error
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
        raise ApiError("errors/content_too_large", str(error)) from error
    except SuspiciousOperation as error:
        raise ApiError("errors/malformed_request", str(error)) from error
    return MultipartForm({name: fields.getlist(name) for name in fields}, handler.received_files)
