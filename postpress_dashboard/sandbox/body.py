"""Request bodies as the server reads them off the socket: by Content-Length, or chunked.

RFC 9112 §7.1 says every HTTP/1.1 recipient must parse the chunked transfer coding, and that a
message is complete only with its last chunk (§8: a chunked body that ends before its last
chunk, like a body shorter than its Content-Length, is incomplete). The sandbox therefore
takes a chunked body, decoded here, and treats a body cut short either way as no request at
all: the reader raises ``BodyCutOff``, the server starts nothing and closes the connection
without an answer (the client has gone, or will never finish).
"""

from typing import BinaryIO

# A chunk-size line (with its extensions) or a trailer line longer than this is refused.
MAX_LINE_BYTES = 4096
MAX_TRAILER_LINES = 100
# Chunk sizes up to 2**64 - 1: more hex digits than this cannot be a real chunk.
MAX_SIZE_DIGITS = 16
_HEX = frozenset(b"0123456789abcdefABCDEF")
# The most asked of the socket at once (a read, or a line), whatever the chunk size or
# Content-Length says: a read of a 16-digit size would not fit an index (OverflowError) or be
# allocated before it arrives.
READ_BYTES = 1024 * 1024


class BodyCutOff(Exception):
    """The body ended before its declared length, or before its last chunk: no request."""


class BodyMalformed(Exception):
    """The chunked framing is not what RFC 9112 §7.1 allows."""


class LengthBody:
    """The body of a request with Content-Length: `length` bytes, then the end."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self._left = length

    @property
    def finished(self) -> bool:
        return self._left == 0

    def read(self, size: int = -1) -> bytes:
        if self._left == 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        parts: list[bytes] = []
        while wanted > 0:
            data = self._stream.read(min(wanted, READ_BYTES))
            if not data and parts:
                break  # what did arrive; the next read says the body was cut off
            if not data:
                raise BodyCutOff(f"the body stopped {self._left} bytes before its Content-Length")
            self._left -= len(data)
            wanted -= len(data)
            parts.append(data)
        return b"".join(parts)

    def readline(self, size: int = -1) -> bytes:
        if self._left == 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        line = self._stream.readline(min(wanted, READ_BYTES))
        if not line:
            raise BodyCutOff(f"the body stopped {self._left} bytes before its Content-Length")
        self._left -= len(line)
        return line


class ChunkedBody:
    """The decoded body of a request sent with Transfer-Encoding: chunked. `read` returns
    b"" only after the last chunk and its trailer section have arrived."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._left_in_chunk = 0
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = -1 if size is None or size < 0 else size
        while not self.finished and wanted != 0:
            if self._left_in_chunk == 0:
                self._next_chunk()
                continue
            take = min(self._left_in_chunk, READ_BYTES)
            if wanted > 0:
                take = min(take, wanted)
            data = self._stream.read(take)
            if not data:
                raise BodyCutOff("the chunked body stopped inside a chunk")
            self._left_in_chunk -= len(data)
            if self._left_in_chunk == 0:
                self._expect_line_end()
            parts.append(data)
            if wanted > 0:
                wanted -= len(data)
        return b"".join(parts)

    def _next_chunk(self) -> None:
        line = self._line()
        size_text = line.split(b";", 1)[0].strip(b" \t")
        if not size_text or len(size_text) > MAX_SIZE_DIGITS or not set(size_text) <= _HEX:
            raise BodyMalformed(f"not a chunk size: {size_text[:20]!r}")
        size = int(size_text, 16)
        if size == 0:
            self._trailers()
            self.finished = True
            return
        self._left_in_chunk = size

    def _trailers(self) -> None:
        for _ in range(MAX_TRAILER_LINES):
            if not self._line():
                return  # the empty line ending the message
        raise BodyMalformed("too many trailer fields")

    def _expect_line_end(self) -> None:
        if self._line():
            raise BodyMalformed("a chunk's data is longer than its size says")

    def _line(self) -> bytes:
        line = self._stream.readline(MAX_LINE_BYTES + 1)
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise BodyMalformed("a chunk-size or trailer line is too long")
            raise BodyCutOff("the chunked body stopped before its last chunk")
        return line[:-2] if line.endswith(b"\r\n") else line[:-1]
