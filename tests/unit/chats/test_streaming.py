"""The composer's body read part by part as it arrives (chats/streaming.py): whatever sizes the
blocks come in, and wherever a boundary falls across them, each part's bytes come out whole."""

import io
import random

import pytest
from django.core.exceptions import BadRequest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, encode_multipart

from chats.streaming import MAX_PART_HEADER_BYTES, MultipartReader, _CutOff, _part_head

# Data that almost holds a delimiter, to catch a boundary looked for in the wrong place.
TRICKY = (b"\r\n--" + BOUNDARY.encode()[:-1] + b"x") * 50 + bytes(range(256)) * 40


def body() -> tuple[bytes, list[tuple[str, str | None, bytes]]]:
    fields = {
        "account": "7",
        "message": "Grüße\r\nline two",
        "attachments": [
            SimpleUploadedFile("a.bin", TRICKY),
            SimpleUploadedFile("empty.txt", b""),
            SimpleUploadedFile("b.bin", b"\r\n" * 3),
        ],
    }
    expected = [
        ("account", None, b"7"),
        ("message", None, "Grüße\r\nline two".encode()),
        ("attachments", "a.bin", TRICKY),
        ("attachments", "empty.txt", b""),
        ("attachments", "b.bin", b"\r\n" * 3),
    ]
    return encode_multipart(BOUNDARY, fields), expected


class Trickle:
    """A body handed out in blocks of random sizes, as a socket would."""

    def __init__(self, data: bytes, most: int, seed: int) -> None:
        self._stream = io.BytesIO(data)
        self._random = random.Random(seed)
        self._most = most

    def read(self, size: int) -> bytes:
        return self._stream.read(min(size, self._random.randint(1, self._most)))


@pytest.mark.parametrize("most", [1, 3, 17, 70, 4096, 10**7])
@pytest.mark.parametrize("seed", range(3))
def test_every_part_comes_out_whole_whatever_the_blocks(most: int, seed: int) -> None:
    data, expected = body()
    reader = MultipartReader(Trickle(data, most, seed).read, BOUNDARY.encode(), len(data))
    parts = []
    while (part := reader.next_part()) is not None:
        parts.append((part.name, part.filename, b"".join(bytes(p) for p in reader.chunks())))
    assert parts == expected
    assert reader.ended


def test_a_body_cut_off_inside_a_part_says_so() -> None:
    data, _ = body()
    cut = data[: data.index(TRICKY) + 100]
    reader = MultipartReader(io.BytesIO(cut).read, BOUNDARY.encode(), len(data))
    with pytest.raises(_CutOff):
        while reader.next_part() is not None:
            for _ in reader.chunks():
                pass


def test_drain_reads_the_rest_and_stops_at_the_length() -> None:
    data, _ = body()
    stream = io.BytesIO(data + b"NEXT REQUEST")
    reader = MultipartReader(stream.read, BOUNDARY.encode(), len(data))
    reader.next_part()
    reader.drain()
    assert stream.read() == b"NEXT REQUEST"


def one_part(headers: bytes) -> bytes:
    boundary = BOUNDARY.encode()
    return b"--" + boundary + b"\r\n" + headers + b"\r\n\r\ndata\r\n--" + boundary + b"--\r\n"


@pytest.mark.parametrize("spare", [0, 1, 1000, 2 * MAX_PART_HEADER_BYTES])
def test_headers_past_the_limit_are_refused_even_within_one_block(spare: int) -> None:
    # The whole body arrives in one read: the limit holds once the headers' end is found too.
    prefix = b'Content-Disposition: form-data; name="attachments"; filename="'
    headers = prefix + b"a" * (MAX_PART_HEADER_BYTES - len(prefix) - 3 + spare) + b'"'
    data = one_part(headers)  # with the line end after the boundary: the limit plus spare
    reader = MultipartReader(io.BytesIO(data).read, BOUNDARY.encode(), len(data))
    if spare == 0:
        assert reader.next_part() is not None  # exactly at the limit: taken
        return
    with pytest.raises(BadRequest):
        reader.next_part()


@pytest.mark.parametrize(
    "disposition",
    [
        b"Content-Disposition: form-data; name=\"note\"; filename*=bogus''x",
        b'Content-Disposition: form-data; name="' + b"a" * 12_000 + b'"',
    ],
)
def test_a_content_disposition_that_cannot_be_parsed_marks_the_part(disposition: bytes) -> None:
    head = _part_head(b"\r\n" + disposition + b"\r\nContent-Type: image/png")
    assert head.unreadable and head.name == "" and head.filename is None
    assert not _part_head(b'\r\nContent-Disposition: form-data; name="note"').unreadable
