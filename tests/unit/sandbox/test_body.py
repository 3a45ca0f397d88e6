"""The sandbox's request bodies: chunked decoding (RFC 9112 §7.1) and bodies cut short."""

import io

import pytest

from postpress_dashboard.sandbox.body import (
    READ_BYTES,
    BodyCutOff,
    BodyMalformed,
    ChunkedBody,
    LengthBody,
)


def test_a_chunked_body_reads_across_chunks_in_any_sizes() -> None:
    body = ChunkedBody(io.BytesIO(b"3\r\nabc\r\n5;ext=1\r\ndefgh\r\n0\r\nTrailer: x\r\n\r\nNEXT"))
    assert body.read(2) == b"ab"
    assert body.read(4) == b"cdef"
    assert not body.finished
    assert body.read() == b"gh"
    assert body.finished
    assert body.read(10) == b""


def test_a_chunked_body_ends_at_its_last_chunk_leaving_the_next_request_unread() -> None:
    stream = io.BytesIO(b"2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n")
    assert ChunkedBody(stream).read() == b"hi"
    assert stream.read() == b"GET / HTTP/1.1\r\n"


@pytest.mark.parametrize(
    "framed",
    [b"5\r\nabc", b"3\r\nabc\r\n", b"3\r\nabc\r\n0\r\n", b"3\r\nabc\r\n0\r\nA: b\r\n", b""],
)
def test_a_chunked_body_without_its_last_chunk_is_cut_off(framed: bytes) -> None:
    with pytest.raises(BodyCutOff):
        ChunkedBody(io.BytesIO(framed)).read()


@pytest.mark.parametrize(
    "framed", [b"x1\r\na\r\n0\r\n\r\n", b"\r\n", b"2\r\nabc\r\n0\r\n\r\n", b"1" * 17 + b"\r\n"]
)
def test_malformed_chunked_framing_is_refused(framed: bytes) -> None:
    with pytest.raises(BodyMalformed):
        ChunkedBody(io.BytesIO(framed)).read()


def test_a_body_shorter_than_its_length_is_cut_off() -> None:
    body = LengthBody(io.BytesIO(b"abc"), 5)
    assert body.read(3) == b"abc"
    with pytest.raises(BodyCutOff):
        body.read(2)


def test_a_body_of_its_length_ends_there() -> None:
    body = LengthBody(io.BytesIO(b"abcdef"), 4)
    assert body.read() == b"abcd"
    assert body.finished and body.read() == b""


def test_a_chunk_size_of_16_digits_read_whole_is_cut_off_not_an_overflow() -> None:
    # A read asks the socket for at most READ_BYTES, whatever the chunk size says.
    with pytest.raises(BodyCutOff):
        ChunkedBody(io.BufferedReader(io.BytesIO(b"ffffffffffffffff\r\nabc"))).read()


def test_a_huge_content_length_read_whole_is_cut_off_not_an_overflow() -> None:
    body = LengthBody(io.BufferedReader(io.BytesIO(b"abc")), 2**64)
    assert body.read() == b"abc"
    with pytest.raises(BodyCutOff):
        body.read()


def test_a_chunk_larger_than_a_read_comes_out_whole() -> None:
    data = bytes(range(256)) * (3 * READ_BYTES // 256 + 1)
    framed = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"
    body = ChunkedBody(io.BufferedReader(io.BytesIO(framed)))
    assert body.read() == data and body.finished
    assert LengthBody(io.BufferedReader(io.BytesIO(data)), len(data)).read() == data


def test_a_huge_content_length_read_by_lines_is_cut_off_not_an_overflow() -> None:
    body = LengthBody(io.BufferedReader(io.BytesIO(b"line\r\nrest")), 2**64)
    assert body.readline() == b"line\r\n"
    assert body.readline() == b"rest"
    with pytest.raises(BodyCutOff):
        body.readline()


def test_a_line_longer_than_a_read_comes_in_parts_of_at_most_a_read() -> None:
    line = b"x" * (READ_BYTES + 10) + b"\n"
    body = LengthBody(io.BufferedReader(io.BytesIO(line)), len(line))
    assert body.readline() == line[:READ_BYTES]
    assert body.readline() == line[READ_BYTES:] and body.finished
