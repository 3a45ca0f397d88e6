"""What the benchmarks run against: a sandbox API process and, where a measure needs a real
server, the dashboard under gunicorn, sharing one throwaway database and encryption key.

The benchmark process itself also runs Django on that database: it creates the team and its
users directly, and the in-process measures drive the dashboard through Django's test client.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
API_KEY = "pp_sandbox_bench_key_7781"
ACCOUNT_ID = "acc_linkedin_demo"  # seeded in the sandbox
PASSWORD = "bench-Passphrase-unlikely-2718"
STARTUP_SECONDS = 60
# Enough received invitations that no run of the benchmarks runs out of them.
SEEDED_INVITATIONS = 4000
MIB = 1024 * 1024


@dataclass(frozen=True)
class Workspace:
    folder: Path
    env: dict[str, str]

    @property
    def logs(self) -> Path:
        return self.folder / "logs"


@contextmanager
def workspace() -> Iterator[Workspace]:
    """A folder with the database, the upload temp files and the logs; the settings for all."""
    from cryptography.fernet import Fernet

    with tempfile.TemporaryDirectory(prefix="postpress-bench-") as name:
        folder = Path(name)
        (folder / "logs").mkdir()
        (folder / "uploads").mkdir()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
            "DEPLOYMENT": "development",
            "DEBUG": "false",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.db"),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SANDBOX_API_KEY": API_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # The 500 MB upload is over the default caps.
            "CHAT_UPLOAD_MAX_FILE_BYTES": str(600 * MIB),
            "CHAT_UPLOAD_MAX_REQUEST_BYTES": str(700 * MIB),
            "TMPDIR": str(folder / "uploads"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        yield Workspace(folder, env)


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Ports free now, all different: each probe stays bound until the last is taken (two
    probes closed in turn may be given the same port)."""
    with ExitStack() as probes:
        ports = []
        for _ in range(count):
            probe = probes.enter_context(socket.socket())
            probe.bind(("127.0.0.1", 0))
            ports.append(int(probe.getsockname()[1]))
        return ports


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen on port {port}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@contextmanager
def _process(
    space: Workspace, name: str, command: list[str], port: int, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    with (space.logs / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process, name)
        yield process
    finally:
        stop(process)


@dataclass(frozen=True)
class Sandbox:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"


@contextmanager
def sandbox(space: Workspace, *, latency_ms: int = 0) -> Iterator[Sandbox]:
    """A freshly seeded sandbox API in its own process."""
    port = free_port()
    command = [
        sys.executable,
        MANAGE,
        "run_sandbox",
        f"--port={port}",
        f"--latency-ms={latency_ms}",
        f"--linkedin-invitations={SEEDED_INVITATIONS}",
        "--invitation-limit=100000",
        f"--api-key={API_KEY}",
    ]
    with _process(space, "sandbox", command, port, space.env) as process:
        yield Sandbox(port, process)


@dataclass(frozen=True)
class Dashboard:
    port: int
    master: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@contextmanager
def gunicorn(
    space: Workspace, *, workers: int | None = None, threads: int | None = None
) -> Iterator[Dashboard]:
    """The dashboard as `make serve` runs it: gunicorn with gunicorn.conf.py."""
    port = free_port()
    env = space.env | {"PORT": str(port), "GUNICORN_TIMEOUT": "600"}
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    command = [GUNICORN, "--config", str(ROOT / "gunicorn.conf.py"), "postpress_dashboard.wsgi"]
    with _process(space, "gunicorn", command, port, env) as master:
        dashboard = Dashboard(port, master)
        _wait_for_workers(dashboard, workers)
        yield dashboard


def _wait_for_workers(dashboard: Dashboard, expected: int | None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while expected is not None and len(dashboard.worker_pids()) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start its workers")
        time.sleep(0.05)


def peak_resident_bytes(pid: int) -> int:
    """The process's high-water resident set size so far (VmHWM; Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no VmHWM for {pid}")
    return int(match.group(1)) * 1024


def reset_peak_resident(pid: int) -> None:
    """Start VmHWM afresh from the current resident size (Linux 4.0+: write 5 to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
