"""chats/uploads.py and the Recruiter HTML filter: types by content, safe names, upload caps
enforced while Django's own multipart parser streams the body in."""

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict

from chats.services import recruiter_html
from chats.uploads import (
    ACCEPTED_FAMILIES,
    CSV,
    MAX_NAME_LENGTH,
    PLAIN_TEXT,
    TEXT_CHUNK,
    CappedUploadHandler,
    Kind,
    human_size,
    is_utf8_text,
    safe_filename,
    sniff,
    sniff_file,
)

# --- types by content ----------------------------------------------------------------------


def padded(head: bytes) -> bytes:
    """At least the 16 bytes sniff() is given, as a real file's first bytes would be."""
    return head + b"\x00" * max(0, 32 - len(head))


@pytest.mark.parametrize(
    ("head", "name", "content_type", "family"),
    [
        pytest.param(b"%PDF-1.7\n", "PDF", "application/pdf", "document", id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG", "image/png", "image", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG", "image/jpeg", "image", id="jpeg"),
        pytest.param(
            b"\xff\xd8\xff\xe1\x00\x10Exif", "JPEG", "image/jpeg", "image", id="jpeg-exif"
        ),
        pytest.param(b"GIF87a\x01\x00", "GIF", "image/gif", "image", id="gif87a"),
        pytest.param(b"GIF89a\x01\x00", "GIF", "image/gif", "image", id="gif89a"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 ", "WebP", "image/webp", "image", id="webp"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt ", "WAV", "audio/wav", "audio", id="wav"),
        pytest.param(b"OggS\x00\x02\x00\x00", "Ogg", "audio/ogg", "audio", id="ogg"),
        pytest.param(b"ID3\x04\x00\x00\x00\x00", "MP3", "audio/mpeg", "audio", id="mp3-id3"),
        pytest.param(b"\xff\xfb\x90\x64\x00", "MP3", "audio/mpeg", "audio", id="mp3-frame-sync"),
        pytest.param(b"\xff\xf3\x48\xc4\x00", "MP3", "audio/mpeg", "audio", id="mp3-mpeg2"),
        pytest.param(b"\x00\x00\x00\x18ftypmp42", "MP4", "video/mp4", "video", id="mp4-mp42"),
        pytest.param(b"\x00\x00\x00\x20ftypisom", "MP4", "video/mp4", "video", id="mp4-isom"),
        pytest.param(b"\x00\x00\x00\x20ftypM4A ", "M4A", "audio/mp4", "audio", id="m4a"),
        pytest.param(b"\x00\x00\x00\x20ftypM4B ", "M4A", "audio/mp4", "audio", id="m4b"),
        pytest.param(
            b"\x00\x00\x00\x14ftypqt  ", "QuickTime", "video/quicktime", "video", id="quicktime"
        ),
        pytest.param(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "WebM", "video/webm", "video", id="webm"),
        pytest.param(
            b"PK\x03\x04\x14\x00\x06\x00",
            "ZIP or Office document",
            "application/zip",
            "archive",
            id="zip",
        ),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "Office document",
            "application/msword",
            "document",
            id="ole",
        ),
    ],
)
def test_it_recognizes_each_supported_kind_by_its_first_bytes(
    head: bytes, name: str, content_type: str, family: str
) -> None:
    kind = sniff(padded(head))

    assert kind is not None
    assert (kind.name, kind.content_type, kind.family) == (name, content_type, family)


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"Hello, this is plain text.\n", id="plain-text"),
        pytest.param(
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", id="windows-executable"
        ),
        pytest.param(b"\x7fELF\x02\x01\x01\x00", id="elf-executable"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
        pytest.param(b"<html><script>alert(1)</script>", id="html"),
        pytest.param(b"RIFF\x24\x00\x00\x00AVI LIST", id="riff-avi"),
        pytest.param(b"", id="empty"),
    ],
)
def test_it_recognizes_nothing_else(head: bytes) -> None:
    assert sniff(head) is None


def test_it_takes_m4a_voice_notes_and_refuses_mp4_videos_as_voice_messages() -> None:
    m4a = sniff(padded(b"\x00\x00\x00\x20ftypM4A "))
    mp4 = sniff(padded(b"\x00\x00\x00\x18ftypmp42"))

    assert m4a is not None and mp4 is not None
    assert m4a.family in ACCEPTED_FAMILIES["voice_message"]
    assert mp4.family not in ACCEPTED_FAMILIES["voice_message"]
    assert mp4.family in ACCEPTED_FAMILIES["video_message"]
    assert m4a.family not in ACCEPTED_FAMILIES["video_message"]


def test_it_says_sizes_in_megabytes_or_kilobytes() -> None:
    assert human_size(250 * 1024 * 1024) == "250.0 MB"
    assert human_size(1024 * 1024) == "1.0 MB"
    assert human_size(1000) == "1 KB"


# --- safe file names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        pytest.param("report.pdf", "report.pdf", id="plain"),
        pytest.param("/home/sam/Documents/report.pdf", "report.pdf", id="posix-path"),
        pytest.param("C:\\Users\\Sam\\Documents\\report.pdf", "report.pdf", id="windows-path"),
        pytest.param("C:report.pdf", "report.pdf", id="windows-drive-relative"),
        pytest.param("\\\\server\\share\\report.pdf", "report.pdf", id="windows-unc"),
        pytest.param("../../etc/passwd", "passwd", id="posix-traversal"),
        pytest.param("..\\..\\windows\\system.ini", "system.ini", id="windows-traversal"),
        pytest.param("dir/..\\..\\evil.sh", "evil.sh", id="mixed-separators"),
        pytest.param(
            "\uff52\uff45\uff50\uff4f\uff52\uff54\uff0e\uff50\uff44\uff46",
            "report.pdf",
            id="nfkc-fullwidth",
        ),
        pytest.param("\ufb01le.pdf", "file.pdf", id="nfkc-ligature"),
        pytest.param("..\uff0f..\uff0fetc\uff0fpasswd", "passwd", id="nfkc-fullwidth-solidus"),
        pytest.param("résumé 2026 (final).pdf", "résumé 2026 (final).pdf", id="letters-kept"),
        pytest.param('a<b>:c|d?e*"f.pdf', "a_b__c_d_e__f.pdf", id="reserved-characters"),
        pytest.param("evil\u202egnp.exe", "evil_gnp.exe", id="right-to-left-override"),
        pytest.param("tab\tnew\nline\x00.txt", "tab_new_line_.txt", id="control-characters"),
        pytest.param("$(rm -rf ~);`id`.txt", "_(rm -rf _)__id_.txt", id="shell-characters"),
        pytest.param(".bashrc", "bashrc", id="hidden-file"),
        pytest.param("...hidden.txt", "hidden.txt", id="leading-dots"),
        pytest.param("  spaced.txt  ", "spaced.txt", id="outer-spaces"),
        pytest.param("trailing.pdf.", "trailing.pdf", id="trailing-dot"),
        pytest.param("", "file", id="empty"),
        pytest.param("...", "file", id="only-dots"),
        pytest.param("../", "file", id="only-a-parent"),
        pytest.param("C:\\", "file", id="only-a-drive"),
    ],
)
def test_it_makes_file_names_safe(given: str, safe: str) -> None:
    assert safe_filename(given) == safe


def test_it_truncates_a_long_name_and_keeps_its_extension() -> None:
    name = safe_filename("a" * 300 + ".pdf")

    assert len(name) == MAX_NAME_LENGTH
    assert name == "a" * (MAX_NAME_LENGTH - 4) + ".pdf"


def test_it_truncates_a_long_name_without_an_extension() -> None:
    assert safe_filename("b" * 300) == "b" * MAX_NAME_LENGTH


def test_it_does_not_take_a_long_tail_after_the_last_dot_for_an_extension() -> None:
    name = safe_filename("report." + "x" * 300)

    assert len(name) == MAX_NAME_LENGTH
    assert name.startswith("report.xxx")


def test_it_keeps_a_name_of_exactly_the_longest_length() -> None:
    name = "c" * (MAX_NAME_LENGTH - 4) + ".m4a"

    assert safe_filename(name) == name


# --- caps, while Django's multipart parser streams the upload ------------------------------

BOUNDARY = "chatsUploadBoundary7MA4YWxkTrZu0gW"
TEXT_FIELDS = [("account", "7"), ("recipients", "ACoAAmem1"), ("message", "Hi there")]


@dataclass(frozen=True)
class Part:
    field: str
    filename: str
    content: bytes


def multipart_body(texts: list[tuple[str, str]], files: list[Part]) -> bytes:
    """A multipart/form-data body as a browser sends the composer: text fields, then files."""
    lines: list[bytes] = []
    for name, value in texts:
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    for part in files:
        lines += [
            f"--{BOUNDARY}".encode(),
            (
                f'Content-Disposition: form-data; name="{part.field}"; filename="{part.filename}"'
            ).encode(),
            b"Content-Type: application/octet-stream",
            b"",
            part.content,
        ]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


class RecordingHandler(CappedUploadHandler):
    """The handler under test, noting each temporary file it starts."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[Path] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.started.append(Path(self.file.temporary_file_path()))


def parse(
    body: bytes, handler: CappedUploadHandler
) -> tuple[QueryDict, MultiValueDict[str, TemporaryUploadedFile]]:
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body)),
    }
    post, files = MultiPartParser(meta, io.BytesIO(body), [handler]).parse()
    return post, files


@pytest.fixture
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    """Temporary upload files land here, so a test sees every one left behind."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.CHAT_UPLOAD_MAX_FILE_BYTES = 200_000
    settings.CHAT_UPLOAD_MAX_REQUEST_BYTES = 500_000
    settings.CHAT_UPLOAD_MAX_FILES = 3
    return tmp_path


def left_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_it_writes_every_file_under_the_caps_to_a_temporary_file(upload_dir: Path) -> None:
    parts = [
        Part("attachments", "a.pdf", b"%PDF-1.7\n" + b"a" * 150_000),
        Part("attachments", "b.png", b"\x89PNG\r\n\x1a\n" + b"b" * 150_000),
        Part("video_message", "c.mp4", b"\x00\x00\x00\x18ftypmp42" + b"c" * 150_000),
    ]
    handler = RecordingHandler()

    post, files = parse(multipart_body(TEXT_FIELDS, parts), handler)

    assert handler.problem == ""
    assert dict(post.items()) == dict(TEXT_FIELDS)
    uploaded = [*files.getlist("attachments"), *files.getlist("video_message")]
    assert [file.name for file in uploaded] == ["a.pdf", "b.png", "c.mp4"]
    for file, part in zip(uploaded, parts, strict=True):
        assert isinstance(file, TemporaryUploadedFile)
        path = Path(file.temporary_file_path())
        assert path.parent == upload_dir
        assert path.read_bytes() == part.content
        assert file.size == len(part.content)
    assert sorted(handler.started) == sorted(Path(f.temporary_file_path()) for f in uploaded)
    for file in uploaded:
        file.close()
    assert left_in(upload_dir) == []  # closing a file removes it, as the request's end does


def test_it_keeps_a_file_of_exactly_the_largest_size(upload_dir: Path) -> None:
    part = Part("attachments", "exact.bin", b"x" * 200_000)
    handler = RecordingHandler()

    _, files = parse(multipart_body(TEXT_FIELDS, [part]), handler)

    assert handler.problem == ""
    [file] = files.getlist("attachments")
    assert Path(file.temporary_file_path()).stat().st_size == 200_000
    file.close()


def test_it_stops_at_a_file_larger_than_the_per_file_cap_and_keeps_the_text_fields(
    upload_dir: Path,
) -> None:
    parts = [Part("video_message", "huge.mp4", b"\x00\x00\x00\x18ftypmp42" + b"v" * 200_000)]
    handler = RecordingHandler()

    post, files = parse(multipart_body(TEXT_FIELDS, parts), handler)

    assert handler.problem == "“huge.mp4” is larger than 196 KB, the most one file may be."
    assert dict(post.items()) == dict(TEXT_FIELDS)
    assert len(files) == 0
    assert len(handler.started) == 1  # the control: a temporary file was started
    assert not handler.started[0].exists()
    assert left_in(upload_dir) == []


def test_it_stops_when_the_files_together_pass_the_per_request_cap(
    settings: Any, upload_dir: Path
) -> None:
    settings.CHAT_UPLOAD_MAX_REQUEST_BYTES = 250_000
    parts = [
        Part("attachments", "first.pdf", b"%PDF-1.7\n" + b"a" * 150_000),
        Part("attachments", "second.png", b"\x89PNG\r\n\x1a\n" + b"b" * 150_000),
    ]
    handler = RecordingHandler()

    post, files = parse(multipart_body(TEXT_FIELDS, parts), handler)

    assert handler.problem == (
        "The files together are larger than 245 KB, the most one chat may carry."
    )
    assert dict(post.items()) == dict(TEXT_FIELDS)
    assert [file.name for file in files.getlist("attachments")] == ["first.pdf"]
    first, second = handler.started
    assert not second.exists()  # the file being written when the cap was passed is gone
    assert left_in(upload_dir) == [first.name]  # the finished one goes when the request ends
    for file in files.getlist("attachments"):
        file.close()
    assert left_in(upload_dir) == []


def test_it_stops_at_one_file_more_than_the_file_count_cap(settings: Any, upload_dir: Path) -> None:
    settings.CHAT_UPLOAD_MAX_FILES = 2
    parts = [
        Part("attachments", "one.pdf", b"%PDF-1.7\none"),
        Part("attachments", "two.gif", b"GIF89a two"),
        Part("attachments", "three.png", b"\x89PNG\r\n\x1a\nthree"),
    ]
    handler = RecordingHandler()

    post, files = parse(multipart_body(TEXT_FIELDS, parts), handler)

    assert handler.problem == "At most 2 files can go with one chat."
    assert dict(post.items()) == dict(TEXT_FIELDS)
    assert "three.png" not in [file.name for file in files.getlist("attachments")]
    assert len(handler.started) == 2  # no temporary file was started for the third
    assert not any(name.endswith(".png") for name in left_in(upload_dir))
    for file in files.getlist("attachments"):
        file.close()
    assert left_in(upload_dir) == []


def test_it_counts_each_file_against_the_per_file_cap_afresh(upload_dir: Path) -> None:
    """Three files of 150 KB each: none passes 200 KB, together they stay under 500 KB."""
    parts = [Part("attachments", f"{n}.bin", bytes([n]) * 150_000) for n in range(3)]
    handler = RecordingHandler()

    _, files = parse(multipart_body(TEXT_FIELDS, parts), handler)

    assert handler.problem == ""
    assert len(files.getlist("attachments")) == 3
    for file in files.getlist("attachments"):
        file.close()


def test_it_parses_no_text_field_sent_after_the_file_that_stopped_the_upload(
    upload_dir: Path,
) -> None:
    """Why the composer sends its text fields first."""
    body = multipart_body(TEXT_FIELDS, [Part("attachments", "big.bin", b"z" * 300_000)])
    body = (
        body.removesuffix(f"--{BOUNDARY}--\r\n".encode())
        + (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="late"\r\n\r\nlate\r\n'
            f"--{BOUNDARY}--\r\n"
        ).encode()
    )
    handler = RecordingHandler()

    post, _ = parse(body, handler)

    assert handler.problem
    assert post.get("message") == "Hi there"
    assert "late" not in post
    assert left_in(upload_dir) == []


# --- Recruiter HTML ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<strong>Hello</strong> <em>there</em>",
        "<ul><li>one</li><li><strong><em>two</em></strong></li></ul><ol><li>three</li></ol>",
        '<a href="https://example.com/jobs?id=1&amp;ref=2">the job</a>',
        '<a href="http://example.com/">plain http</a>',
        '<a href="mailto:jobs@example.com">write to us</a>',
        "Plain text, with an escaped &lt; and &amp;.",
    ],
)
def test_it_keeps_the_documented_recruiter_html(html: str) -> None:
    assert recruiter_html(html) == html


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        pytest.param("<script>alert(1)</script>Hi", "Hi", id="script"),
        pytest.param("<style>body{display:none}</style>Hi", "Hi", id="style-element"),
        pytest.param('<strong onclick="alert(1)">Hi</strong>', "<strong>Hi</strong>", id="onclick"),
        pytest.param('<em style="color:red">Hi</em>', "<em>Hi</em>", id="style-attribute"),
        pytest.param('<img src="x" onerror="alert(1)">Hi', "Hi", id="img"),
        pytest.param('<a href="javascript:alert(1)">x</a>', "<a>x</a>", id="javascript-link"),
        pytest.param('<a href=" JaVaScRiPt:alert(1)">x</a>', "<a>x</a>", id="javascript-mixed"),
        pytest.param('<a href="java&#x09;script:alert(1)">x</a>', "<a>x</a>", id="javascript-tab"),
        pytest.param('<a href="data:text/html,<b>x</b>">x</a>', "<a>x</a>", id="data-link"),
        pytest.param('<a href="/relative">x</a>', "<a>x</a>", id="relative-link"),
        pytest.param('<a href="//evil.example/x">x</a>', "<a>x</a>", id="scheme-relative"),
        pytest.param(
            '<a href="https://example.com/" target="_blank" rel="opener" id="i">x</a>',
            '<a href="https://example.com/">x</a>',
            id="other-link-attributes",
        ),
        pytest.param(
            '<strong title="t" lang="en" class="c">Hi</strong>',
            "<strong>Hi</strong>",
            id="generic-attributes",
        ),
        pytest.param("<p>Hi</p><div>there</div><br>", "Hithere", id="other-tags"),
        pytest.param("<!-- hidden -->Hi", "Hi", id="comment"),
        pytest.param('<iframe src="https://evil.example"></iframe>Hi', "Hi", id="iframe"),
    ],
)
def test_it_strips_everything_else_from_recruiter_html(html: str, clean: str) -> None:
    assert recruiter_html(html) == clean


def test_a_utf16_text_is_not_taken_for_anything_by_its_first_bytes() -> None:
    assert sniff(b"\xff\xfeH\x00e\x00l\x00l\x00o\x00 \x00w\x00") is None


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """An ISO media file's first box: size, "ftyp", major brand, minor version, compatibles."""
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "name", "content_type", "extension"),
    [
        pytest.param(ftyp(b"heic", b"mif1", b"heic"), "HEIC", "image/heic", "heic", id="iphone"),
        pytest.param(ftyp(b"heix", b"mif1"), "HEIC", "image/heic", "heic", id="heix"),
        pytest.param(ftyp(b"mif1", b"mif1", b"heic"), "HEIF", "image/heif", "heif", id="mif1"),
        pytest.param(ftyp(b"avif", b"mif1", b"avif"), "AVIF", "image/avif", "avif", id="avif"),
        pytest.param(ftyp(b"mif1", b"mif1", b"avif"), "AVIF", "image/avif", "avif", id="mif1-avif"),
    ],
)
def test_it_recognizes_heic_heif_and_avif_images_by_their_brands(
    head: bytes, name: str, content_type: str, extension: str
) -> None:
    kind = sniff(head)

    assert kind is not None
    assert (kind.name, kind.content_type, kind.family) == (name, content_type, "image")
    assert kind.file_name("IMG_0001") == f"IMG_0001.{extension}"
    assert kind.family in ACCEPTED_FAMILIES["attachments"]
    assert (
        kind.family not in ACCEPTED_FAMILIES["voice_message"] | ACCEPTED_FAMILIES["video_message"]
    )


def test_an_iphone_photo_keeps_its_heic_name() -> None:
    kind = sniff(ftyp(b"heic", b"mif1", b"heic"))
    assert kind is not None and kind.file_name("IMG_0001.HEIC") == "IMG_0001.HEIC"


# --- text: no magic bytes, so the whole file is read -----------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Hello,\tworld\r\n", id="ascii"),
        pytest.param("Ça va ? Tom & Jerry <3 ✓\n".encode(), id="utf-8"),
        pytest.param(b"\xef\xbb\xbfname;city\nZo\xc3\xab;Li\xc3\xa8ge\n", id="bom-csv"),
        # A two-byte character cut by the chunk boundary is whole again in the next chunk.
        pytest.param(b"a" * (TEXT_CHUNK - 1) + "é".encode() + b"z", id="across-chunks"),
        pytest.param(b"page one\x0cpage two", id="form-feed"),
    ],
)
def test_it_takes_utf8_text_as_text(data: bytes) -> None:
    handle = io.BytesIO(data)
    assert is_utf8_text(handle)
    assert handle.tell() == 0  # rewound for sending


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("Zoë;Liège\n".encode("latin-1"), id="latin-1"),
        pytest.param("Hello".encode("utf-16"), id="utf-16"),
        pytest.param(b"text\x00with a NUL", id="nul"),
        pytest.param(b"\x1b[31mred", id="escape"),
        pytest.param(b"cut short \xc3", id="truncated"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00", id="executable"),
    ],
)
def test_it_takes_nothing_else_for_text(data: bytes) -> None:
    handle = io.BytesIO(data)
    assert not is_utf8_text(handle)
    assert handle.tell() == 0


@pytest.mark.parametrize(
    ("name", "data", "kind", "sent"),
    [
        ("notes.txt", b"Notes\n", PLAIN_TEXT, "notes.txt"),
        ("Leads.CSV", b"name,email\n", CSV, "Leads.CSV"),
        ("README", b"Read me\n", PLAIN_TEXT, "README.txt"),
        ("page.html", b"<html><script>alert(1)</script>", PLAIN_TEXT, "page.txt"),
        ("brochure.txt", b"%PDF-1.7\n" + b"\x00" * 16, None, "brochure.pdf"),
    ],
)
def test_a_file_is_text_only_when_no_magic_bytes_say_otherwise(
    name: str, data: bytes, kind: Kind | None, sent: str
) -> None:
    found = sniff_file(io.BytesIO(data), name)

    assert found is not None
    if kind is not None:
        assert found == kind
        assert (found.content_type, found.family) == (kind.content_type, "text")
    assert found.file_name(name) == sent


def test_an_interrupted_upload_is_a_problem_not_a_smaller_chat() -> None:
    handler = CappedUploadHandler()
    handler.upload_interrupted()
    assert "interrupted" in handler.problem


@pytest.mark.parametrize(
    ("name", "head", "sent"),
    [
        ("evil.html", b"%PDF-1.7\n" + b"\x00" * 16, "evil.pdf"),
        ("scan.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "scan.JPEG"),
        ("scan.png", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "scan.jpg"),
        ("letter.docx", b"PK\x03\x04" + b"\x00" * 16, "letter.docx"),
        ("voice", b"OggS" + b"\x00" * 16, "voice.ogg"),
        ("a" * 100, b"%PDF-1.7\n" + b"\x00" * 16, "a" * 96 + ".pdf"),
    ],
)
def test_a_file_name_gets_the_extension_of_the_kind_sniffed(
    name: str, head: bytes, sent: str
) -> None:
    """F20: the name a file is sent under matches its type, never only its own claim."""
    kind = sniff(head)
    assert kind is not None
    assert kind.file_name(name) == sent


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        pytest.param("Tom & Jerry <3", "Tom &amp; Jerry &lt;3", id="ampersand-and-less-than"),
        pytest.param("R&D > sales", "R&amp;D &gt; sales", id="greater-than"),
        pytest.param("Tom &amp; Jerry", "Tom &amp; Jerry", id="entity-kept-once"),
        pytest.param("<strong>A & B</strong>", "<strong>A &amp; B</strong>", id="inside-a-tag"),
        pytest.param('Say "hi" — it\'s fine ✓', 'Say "hi" — it\'s fine ✓', id="quotes-unicode"),
        pytest.param("line one\nline two", "line one\nline two", id="line-breaks-kept"),
    ],
)
def test_recruiter_text_is_html_with_typed_characters_escaped_once(typed: str, sent: str) -> None:
    # The API takes Recruiter text as HTML: the escaped form is what shows the recipient the
    # characters as typed, and sanitizing what was sanitized changes nothing.
    assert recruiter_html(typed) == sent
    assert recruiter_html(sent) == sent
