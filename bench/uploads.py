"""Forwarding uploads: a chat started with one large video, through the dashboard under
gunicorn, against the same video streamed straight to the sandbox by the API client.

Memory is the gunicorn worker's peak resident size (VmHWM), reset to its current size just
before each upload, so the figure is what that upload added. Throughput is the file's size
over the time from the first byte sent to the answer, for both paths."""

import re
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from requests_toolbelt.multipart.encoder import MultipartEncoder

from bench.inprocess import bare_client
from bench.stack import MIB, Dashboard, peak_resident_bytes, reset_peak_resident
from bench.stats import median
from postpress_dashboard.postpress.schemas import ClassicOptions, NewChat, Upload

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


def signed_in_session(dashboard: Dashboard, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
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


def _bare_upload(base_url: str, api_key: str, account_id: str, video: Path) -> float:
    chat = NewChat(
        account_id=account_id,
        attendees_ids=(RECIPIENT,),
        text="Hi",
        video_message=Upload(video, video.name, "video/mp4"),
        linkedin=ClassicOptions(),
    )
    client = bare_client(base_url, api_key)
    started = time.perf_counter()
    client.start_chat(chat)
    return time.perf_counter() - started


@dataclass(frozen=True)
class UploadResult:
    mib: int
    peak_growth_bytes: list[int]
    dashboard_seconds: list[float]
    bare_seconds: list[float]

    @property
    def dashboard_mib_s(self) -> float:
        return self.mib / median(self.dashboard_seconds)

    @property
    def bare_mib_s(self) -> float:
        return self.mib / median(self.bare_seconds)

    @property
    def slower(self) -> float:
        """How many times the bare upload's time the dashboard takes (medians)."""
        return median(self.dashboard_seconds) / median(self.bare_seconds)


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
    """`repeats` uploads each way, alternating; the first of all warms both paths up."""
    [worker] = dashboard.worker_pids()
    _bare_upload(*api, account_id, video)
    _post_chat(session, dashboard, account_pk, video)
    growth, through_dashboard, bare = [], [], []
    for _ in range(repeats):
        bare.append(_bare_upload(*api, account_id, video))
        reset_peak_resident(worker)
        before = peak_resident_bytes(worker)
        through_dashboard.append(_post_chat(session, dashboard, account_pk, video))
        growth.append(peak_resident_bytes(worker) - before)
    return UploadResult(mib, growth, through_dashboard, bare)
