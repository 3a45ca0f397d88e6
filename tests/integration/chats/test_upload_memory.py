"""New chat streams uploads end to end: a 200 MB video barely raises the server's memory.

The dashboard serves in its own process (runserver, on a SQLite database made for the test) and
forwards to the sandbox API in another, the way `make demo` runs them. The browser's part is a
requests session that signs in and posts the composer's form, the video streamed from disk.
The measure is the server's peak resident size (VmHWM in /proc, so Linux only) before and
after the upload. The sandbox parses what it receives in its own process: its memory is apart.
"""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from requests_toolbelt.multipart.encoder import MultipartEncoder

from bench.stack import MIB, free_ports, peak_resident_bytes, stop, wait_for_port
from bench.uploads import write_video

ROOT = Path(__file__).resolve().parents[3]
MANAGE = str(ROOT / "manage.py")
FILE_MIB = 200
ALLOWED_GROWTH_MIB = 100
SANDBOX_ACCOUNT_ID = "acc_linkedin_demo"  # seeded in the sandbox
RECIPIENT = "ACoAAmem1"
USERNAME = "memory-admin"
PASSWORD = "a-Long-unusual-passphrase-for-memory-91"
API_KEY = "pp_sandbox_memory_test_key_5150"
UPLOAD_SECONDS = 600


@dataclass(frozen=True)
class Stack:
    base_url: str
    dashboard: subprocess.Popen[bytes]
    account_pk: str
    database: Path
    uploads: Path  # the server's TMPDIR: where Django writes temporary upload files
    logs: Path

    def log_tail(self) -> str:
        """The last lines each process wrote, for a failure message."""
        return "\n".join(
            f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            for log in sorted(self.logs.glob("*.log"))
        )


def manage(env: dict[str, str], *arguments: str) -> str:
    completed = subprocess.run(  # noqa: S603
        [sys.executable, MANAGE, *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, f"manage.py {arguments[0]}: {completed.stderr}"
    return completed.stdout.strip()


def serve(env: dict[str, str], logs: Path, name: str, *arguments: str) -> subprocess.Popen[bytes]:
    with (logs / f"{name}.log").open("wb") as log:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, MANAGE, *arguments],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A fresh database with a team, its admin and a LinkedIn account; the sandbox; the
    dashboard. Every process gets the production settings with one encryption key; the
    dashboard forwards uploads from CHAT_UPLOAD_STREAM_FROM_BYTES as the test's parameter says
    (by default the setting's default, 16 MiB)."""
    logs, uploads, database = tmp_path / "logs", tmp_path / "uploads", tmp_path / "db.sqlite3"
    logs.mkdir()
    uploads.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        # tests.settings would make a new key in each process: one key shared by all.
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SANDBOX_API_KEY": API_KEY,
        "MEMORY_TEST_API_KEY": API_KEY,
        "MEMORY_TEST_PASSWORD": PASSWORD,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "False",
        "TMPDIR": str(uploads),
        "PYTHONUNBUFFERED": "1",
        "CHAT_UPLOAD_STREAM_FROM_BYTES": getattr(request, "param", str(16 * MIB)),
    }
    sandbox_port, dashboard_port = free_ports(2)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        manage(env, "migrate", "--noinput")
        slug = manage(
            env,
            "create_team",
            "Memory test",
            "--base-url",
            f"http://127.0.0.1:{sandbox_port}/api/v1",
            "--api-key-env",
            "MEMORY_TEST_API_KEY",
        )
        manage(
            env,
            "add_member",
            slug,
            USERNAME,
            "--role",
            "admin",
            "--create",
            "--password-env",
            "MEMORY_TEST_PASSWORD",
        )
        account_pk = manage(
            env,
            "add_account",
            slug,
            "--provider",
            "LINKEDIN",
            "--account-id",
            SANDBOX_ACCOUNT_ID,
            "--label",
            "Memory test LinkedIn",
            "--linkedin-apis",
            "classic",
        )
        assert account_pk.isdigit(), account_pk

        sandbox = serve(env, logs, "sandbox", "run_sandbox", "--port", str(sandbox_port))
        processes.append(sandbox)
        dashboard = serve(
            env, logs, "dashboard", "runserver", f"127.0.0.1:{dashboard_port}", "--noreload"
        )
        processes.append(dashboard)
        wait_for_port(sandbox_port, sandbox, "the sandbox")
        wait_for_port(dashboard_port, dashboard, "the dashboard")
        yield Stack(
            base_url=f"http://127.0.0.1:{dashboard_port}",
            dashboard=dashboard,
            account_pk=account_pk,
            database=database,
            uploads=uploads,
            logs=logs,
        )
    finally:
        for process in reversed(processes):
            stop(process)


def sign_in(stack: Stack) -> requests.Session:
    session = requests.Session()
    login_url = f"{stack.base_url}/login/"
    page = session.get(login_url, timeout=60)
    assert page.status_code == 200, stack.log_tail()
    signed_in = session.post(
        login_url,
        data={
            "username": USERNAME,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login_url},
        timeout=60,
    )
    assert signed_in.status_code == 200, stack.log_tail()
    assert "sessionid" in session.cookies, "the sign-in was refused"
    return session


def post_video(session: requests.Session, stack: Stack, video: Path) -> requests.Response:
    """The composer's form as a browser sends it, text fields first, the video streamed."""
    url = f"{stack.base_url}/chats/new/"
    token = session.cookies["csrftoken"]
    with video.open("rb") as file:
        encoder = MultipartEncoder(
            fields=[
                ("csrfmiddlewaretoken", token),
                ("account", stack.account_pk),
                ("recipients", RECIPIENT),
                ("message", "Hi"),
                ("linkedin_api", "classic"),
                ("video_message", (video.name, file, "video/mp4")),
            ]
        )
        headers = {"Content-Type": encoder.content_type, "X-CSRFToken": token, "Referer": url}
        return session.post(url, data=encoder, headers=headers, timeout=UPLOAD_SECONDS)


def started_chat_id(response: requests.Response, stack: Stack) -> str:
    """The chat id the sandbox answered with, as the page after the redirect shows it."""
    assert [step.status_code for step in response.history] == [302], (
        response.text[-3000:] + stack.log_tail()
    )
    assert response.status_code == 200
    match = re.search(rf"Chat started with {RECIPIENT}\. Chat id: (chat_[0-9a-f]+);", response.text)
    assert match, response.text[-3000:]
    return match.group(1)


def chats_recorded(stack: Stack) -> list[tuple[str, str, str]]:
    """(target, outcome, detail) of each chat in the activity log, read past the server."""
    with closing(sqlite3.connect(stack.database)) as connection:
        query = "SELECT target, outcome, detail FROM activity_entry WHERE kind = ?"
        return connection.execute(query + " ORDER BY id", ("chat",)).fetchall()


def temporary_uploads_left(stack: Stack) -> list[str]:
    """Django's temporary upload files still on disk, once the server has closed them."""
    deadline = time.monotonic() + 30
    while True:
        left = sorted(path.name for path in stack.uploads.iterdir() if ".upload" in path.name)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.parametrize(
    "stack",
    ["off", str(16 * MIB)],
    ids=["stored-then-forwarded", "forwarded-while-received"],
    indirect=True,
)
def test_it_forwards_a_200_mb_video_within_100_mb_of_extra_server_memory(
    stack: Stack, tmp_path: Path
) -> None:
    session = sign_in(stack)
    warm_up = session.get(f"{stack.base_url}/chats/new/", timeout=60)
    assert warm_up.status_code == 200, stack.log_tail()
    assert 'name="video_message"' in warm_up.text
    # VmHWM only ever rises: a small chat first, so the baseline holds everything a chat
    # needs once (imports, templates, the API client) and the peak after is the upload's.
    small = write_video(tmp_path / "small.mp4", 1)
    started_chat_id(post_video(session, stack, small), stack)
    baseline = peak_resident_bytes(stack.dashboard.pid)

    video = write_video(tmp_path / "memory.mp4", FILE_MIB)
    response = post_video(session, stack, video)

    peak = peak_resident_bytes(stack.dashboard.pid)
    assert started_chat_id(response, stack).startswith("chat_")  # the sandbox took the video
    growth_mib = (peak - baseline) / MIB
    assert growth_mib < ALLOWED_GROWTH_MIB, (
        f"the server's peak memory grew by {growth_mib:.0f} MiB "
        f"(from {baseline // MIB} MiB) forwarding a {FILE_MIB} MiB video"
    )
    assert chats_recorded(stack) == [  # the whole file was sent on
        (RECIPIENT, "ok", "Files: small.mp4 (1.0 MB)"),
        (RECIPIENT, "ok", f"Files: memory.mp4 ({FILE_MIB}.0 MB)"),
    ]
    assert temporary_uploads_left(stack) == []


def answered_posts(stack: Stack, expected: int = 1) -> list[str]:
    """The composer's posts the dashboard has answered (its request log), once there are
    `expected` of them or 30 s have passed."""
    deadline = time.monotonic() + 30
    log = stack.logs / "dashboard.log"
    while True:
        found = re.findall(r"POST /chats/new/ \d{3}", log.read_text(errors="replace"))
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def post_half_and_go_away(
    session: requests.Session, stack: Stack, video: Path, submission: str
) -> None:
    """The composer's form with a video, as a browser starts sending it, closed half-way:
    the person closed the tab, or the connection dropped."""
    url = f"{stack.base_url}/chats/new/"
    token = session.cookies["csrftoken"]
    with video.open("rb") as file:
        body = MultipartEncoder(
            fields=[
                ("csrfmiddlewaretoken", token),
                ("account", stack.account_pk),
                ("recipients", "ACoAAgone"),
                ("message", "Hi"),
                ("linkedin_api", "classic"),
                ("submission", submission),
                ("video_message", (video.name, file, "video/mp4")),
            ]
        )
        content_type, data = body.content_type, body.to_string()
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    host, port = stack.base_url.removeprefix("http://").split(":")
    head = (
        f"POST /chats/new/ HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
        f"X-CSRFToken: {token}\r\nReferer: {url}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(head.encode() + data[: len(data) // 2])


def test_an_upload_the_browser_abandons_half_way_starts_no_chat_and_leaves_no_file(
    stack: Stack, tmp_path: Path
) -> None:
    """A real server sees the body end early: nothing reaches postpress, no chat is recorded
    or claimed, the temporary file is removed, and the next upload starts its chat."""
    session = sign_in(stack)
    page = session.get(f"{stack.base_url}/chats/new/", timeout=60).text
    token = re.search(r'name="submission" value="([^"]+)"', page)
    assert token, "the composer carries its one-time token"
    post_half_and_go_away(session, stack, write_video(tmp_path / "gone.mp4", 8), token.group(1))
    # Served to the end: refused (400, the form with its words), though nobody reads it.
    assert answered_posts(stack) == ["POST /chats/new/ 400"]
    assert temporary_uploads_left(stack) == []

    started_chat_id(post_video(session, stack, write_video(tmp_path / "kept.mp4", 1)), stack)

    assert chats_recorded(stack) == [(RECIPIENT, "ok", "Files: kept.mp4 (1.0 MB)")]
    with closing(sqlite3.connect(stack.database)) as connection:
        claimed = connection.execute("SELECT recipients FROM chats_chatsubmission").fetchall()
    assert claimed == []  # the abandoned form's token was never claimed


@pytest.mark.parametrize("stack", [str(16 * MIB)], indirect=True)
def test_an_upload_the_browser_abandons_while_it_is_forwarded_is_unconfirmed(
    stack: Stack, tmp_path: Path
) -> None:
    """Forwarded while it arrives (40 MB, over the 16 MiB threshold), the upload is cut off
    half-way: postpress's request ends without its last chunk, the chat is unconfirmed with
    its Activity entry, no file is left, and the server goes on serving."""
    session = sign_in(stack)
    page = session.get(f"{stack.base_url}/chats/new/", timeout=60).text
    token = re.search(r'name="submission" value="([^"]+)"', page)
    assert token, "the composer carries its one-time token"
    post_half_and_go_away(session, stack, write_video(tmp_path / "gone.mp4", 40), token.group(1))
    # Served to the end: the form with its words (200: the chat may have started).
    assert answered_posts(stack) == ["POST /chats/new/ 200"], stack.log_tail()
    assert temporary_uploads_left(stack) == []

    started_chat_id(post_video(session, stack, write_video(tmp_path / "kept.mp4", 1)), stack)

    [gone, kept] = chats_recorded(stack)
    assert gone[:2] == ("ACoAAgone", "unconfirmed")
    assert "Upload stopped part-way: The upload was interrupted" in gone[2]
    assert kept == (RECIPIENT, "ok", "Files: kept.mp4 (1.0 MB)")
    with closing(sqlite3.connect(stack.database)) as connection:
        claimed = connection.execute("SELECT status FROM chats_chatsubmission").fetchall()
    assert claimed == [("unconfirmed",)]
