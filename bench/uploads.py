"""Forwarding uploads: a chat started with one large video, through the dashboard under
gunicorn, against the same video streamed straight to the sandbox.

Two bare uploads are the references, both the dashboard's own API client streaming the file
from disk: one on a plain requests session (urllib3's 16 KiB send blocks: a script with the
libraries' defaults), one on the client's own pooled session (1 MiB send blocks, as the
dashboard forwards: the fastest streaming upload this client makes). The upload to the
dashboard stands for a browser, whose encoding is native code: it is sent in 1 MiB blocks too,
so the sender's own encoding does not count as the dashboard's time.

Memory is the gunicorn worker's peak resident size (VmHWM), reset to its current size just
before each upload, so the figure is what that upload added. Throughput is the file's size
over the time from the first byte sent to the answer, for every path."""

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests_toolbelt.multipart.encoder import MultipartEncoder

from bench.inprocess import bare_client
from bench.stack import MIB, Dashboard, peak_resident_bytes, reset_peak_resident
from bench.stats import median
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.schemas import ClassicOptions, NewChat, Upload
from postpress_dashboard.postpress.transport import pooled_session

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"  # so the composer's content check sees a video
CHUNK = b"\xab" * MIB
RECIPIENT = "ACoAABenchUpload"
TIMEOUT = 900


def write_video(path: Path, mib: int) -> Path:
    """An MP4 header, then filler, written a chunk at a time."""
    with path.open("wb") as file:
        file.write(MP4_HEAD)
        for _ in range(mib):
            file.write(CHUNK)
    return path


# The browser's stand-in sends its body in blocks this large (the client's own size).
BROWSER_SEND_BLOCK_BYTES = MIB


class _LargeSendBlocks(HTTPAdapter):
    """Reads a streamed request body in blocks of BROWSER_SEND_BLOCK_BYTES."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, blocksize=BROWSER_SEND_BLOCK_BYTES, **kwargs)


def signed_in_session(dashboard: Dashboard, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", _LargeSendBlocks())
    login = f"{dashboard.url}/login/"
    session.get(login, timeout=60).raise_for_status()
    answer = session.post(
        login,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=60,
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"sign-in refused ({answer.status_code})")
    return session


def _post_chat(
    session: requests.Session, dashboard: Dashboard, account_pk: int, video: Path
) -> float:
    url = f"{dashboard.url}/chats/new/"
    token = session.cookies["csrftoken"]
    with video.open("rb") as file:
        form = MultipartEncoder(
            fields=[
                ("csrfmiddlewaretoken", token),
                ("account", str(account_pk)),
                ("recipients", RECIPIENT),
                ("message", "Hi"),
                ("linkedin_api", "classic"),
                ("video_message", (video.name, file, "video/mp4")),
            ]
        )
        headers = {"Content-Type": form.content_type, "X-CSRFToken": token}
        started = time.perf_counter()
        # Until the dashboard's answer (a redirect to the composer): the page it leads to is
        # another page view, not part of the upload.
        answer = session.post(
            url, data=form, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
        seconds = time.perf_counter() - started
    shown = session.get(f"{dashboard.url}{answer.headers.get('Location', '/')}", timeout=60)
    if answer.status_code != 302 or not re.search(
        r"Chat started with .*Chat id: chat_", shown.text
    ):
        raise RuntimeError(f"the chat did not start ({answer.status_code}): {shown.text[-800:]}")
    return seconds


def _bare_upload(client: PostpressClient, account_id: str, video: Path) -> float:
    chat = NewChat(
        account_id=account_id,
        attendees_ids=(RECIPIENT,),
        text="Hi",
        video_message=Upload(video, video.name, "video/mp4"),
        linkedin=ClassicOptions(),
    )
    started = time.perf_counter()
    client.start_chat(chat)
    return time.perf_counter() - started


@dataclass(frozen=True)
class UploadResult:
    mib: int
    peak_growth_bytes: list[int]
    dashboard_seconds: list[float]
    bare_seconds: list[float]  # the client on its own pooled session (1 MiB send blocks)
    default_bare_seconds: list[float]  # the client on a plain requests session (16 KiB)

    @property
    def dashboard_mib_s(self) -> float:
        return self.mib / median(self.dashboard_seconds)

    @property
    def bare_mib_s(self) -> float:
        return self.mib / median(self.bare_seconds)

    @property
    def default_bare_mib_s(self) -> float:
        return self.mib / median(self.default_bare_seconds)

    @property
    def slower(self) -> float:
        """How many times the fast bare upload's time the dashboard takes (medians)."""
        return median(self.dashboard_seconds) / median(self.bare_seconds)

    @property
    def slower_than_default(self) -> float:
        """How many times the default bare upload's time the dashboard takes (medians)."""
        return median(self.dashboard_seconds) / median(self.default_bare_seconds)

    @property
    def paired(self) -> float:
        """The median of each round's dashboard time over that round's fast bare time."""
        return median(
            [d / b for d, b in zip(self.dashboard_seconds, self.bare_seconds, strict=True)]
        )


def forward_upload(
    *,
    dashboard: Dashboard,
    session: requests.Session,
    account_pk: int,
    account_id: str,
    api: tuple[str, str],
    video: Path,
    mib: int,
    repeats: int,
) -> UploadResult:
    """`repeats` rounds, each of the three uploads in turn; the first round warms them up."""
    [worker] = dashboard.worker_pids()
    default = bare_client(*api)
    fast = PostpressClient(
        base_url=default.base_url,
        api_key=api[1],
        session=pooled_session(),
        host_policy=default.host_policy,
    )
    _bare_upload(fast, account_id, video)
    _bare_upload(default, account_id, video)
    _post_chat(session, dashboard, account_pk, video)
    growth: list[int] = []
    through_dashboard: list[float] = []
    bare: list[float] = []
    default_bare: list[float] = []
    for _ in range(repeats):
        bare.append(_bare_upload(fast, account_id, video))
        default_bare.append(_bare_upload(default, account_id, video))
        reset_peak_resident(worker)
        before = peak_resident_bytes(worker)
        through_dashboard.append(_post_chat(session, dashboard, account_pk, video))
        growth.append(peak_resident_bytes(worker) - before)
    return UploadResult(mib, growth, through_dashboard, bare, default_bare)
