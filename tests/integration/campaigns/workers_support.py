"""Real campaign workers for the worker tests: `manage.py campaign_worker` processes on the
test's database and queue, and a sandbox that counts every invitation send it receives.

The workers are other processes: they see only committed rows (the tests use transactional_db)
and read their settings from the environment, as a deployment's workers do.
"""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import django_rq
import redis
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult, get_date_max
from rq.job import Job

from postpress_dashboard.sandbox.app import SandboxApp
from postpress_dashboard.sandbox.server import base_url, make_sandbox_server
from postpress_dashboard.sandbox.state import SandboxState

PROJECT_ROOT = Path(settings.BASE_DIR)
# A Redis database of their own: the RQ variant flushes it before and after.
REDIS_URL = "redis://127.0.0.1:6379/9"
# Two runs of the suite on one machine would share that database: one at a time.
REDIS_LOCK = "postpress-tests:campaign-workers"
REDIS_LOCK_SECONDS = 180
POLL_SECONDS = 0.05
STEP_TASK = "campaigns.tasks.campaign_step"


# --- a sandbox that counts what it receives --------------------------------------------------


class SendCounter:
    """WSGI middleware: the provider_id of every invitation send, noted as the request arrives
    (before the sandbox waits on err_slow_<ms>), so a call whose worker died is counted too,
    and a repeated send is counted although the sandbox refuses it (already invited)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._received: list[str] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").rstrip("/")
        if environ["REQUEST_METHOD"] == "POST" and path.endswith("/users/invite"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            try:
                provider_id = str(json.loads(body).get("provider_id"))
            except (ValueError, AttributeError):
                provider_id = "<unreadable body>"
            with self._lock:
                self._received.append(provider_id)
        return self.app(environ, start_response)

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._received)


@dataclass(frozen=True)
class CountingSandbox:
    base_url: str
    state: SandboxState
    api_key: str
    sends: SendCounter


@contextmanager
def counting_sandbox(*, latency_ms: int = 0) -> Iterator[CountingSandbox]:
    """running_sandbox(), with the send counter in front of the app."""
    state = SandboxState()
    key = settings.SANDBOX_API_KEY
    sends = SendCounter(SandboxApp(state, key, latency_ms))
    server = make_sandbox_server("127.0.0.1", 0, sends)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield CountingSandbox(base_url(server), state, key, sends)
    finally:
        # A request parked in err_slow_<ms> sleeps on in its daemon thread: not waited for.
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()


# --- the queue the workers take steps from ---------------------------------------------------


def redis_answers(url: str = REDIS_URL) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@dataclass(frozen=True)
class TaskQueue:
    """TASKS_QUEUE for the workers, and the same queue for the test process's enqueues."""

    name: str  # "database" or "rq"

    def test_settings(self) -> dict[str, Any]:
        if self.name == "rq":
            backend = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
            return {"RQ_QUEUES": {"default": {"URL": REDIS_URL}}, "TASKS": {"default": backend}}
        backend = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        return {"TASKS": {"default": backend}}

    def worker_env(self) -> dict[str, str]:
        if self.name == "rq":
            return {"TASKS_QUEUE": "rq", "TASKS_REDIS_URL": REDIS_URL}
        return {"TASKS_QUEUE": "database"}

    @property
    def ready_line(self) -> str:
        """What a worker logs once it takes tasks."""
        return "Listening on default" if self.name == "rq" else "Starting worker"

    @contextmanager
    def in_use(self) -> Iterator[None]:
        """RQ: Redis database REDIS_URL to this test alone, empty before and after."""
        if self.name != "rq":
            yield
            return
        client = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + REDIS_LOCK_SECONDS
        while not client.set(REDIS_LOCK, os.getpid(), nx=True, ex=REDIS_LOCK_SECONDS):
            if time.monotonic() > deadline:
                raise AssertionError(f"{REDIS_URL} stayed in use by another test run")
            time.sleep(0.5)
        try:
            _redis_empty(client)
            yield
        finally:
            _redis_empty(client)
            client.delete(REDIS_LOCK)

    def step_tickets_scheduled_after(self, moment: datetime) -> set[str]:
        """Tickets of the steps waiting in the queue that no worker may take before `moment`."""
        if self.name == "rq":
            registry = django_rq.get_queue("default").scheduled_job_registry
            ids = registry.connection.zrangebyscore(registry.key, f"({moment.timestamp()}", "+inf")
            jobs = Job.fetch_many([i.decode() for i in ids], connection=registry.connection)
            return {str(job.args[1]) for job in jobs if job is not None}
        waiting = DBTaskResult.objects.filter(
            task_path=STEP_TASK, status="READY", run_after__gt=moment
        ).exclude(run_after=get_date_max())  # how the queue stores "due now"
        return {str(args["args"][1]) for args in waiting.values_list("args_kwargs", flat=True)}

    def describe(self) -> str:
        """The steps in the queue, for failure messages."""
        if self.name == "rq":
            queue = django_rq.get_queue("default")
            return (
                f"RQ: queued {queue.get_job_ids()}, scheduled "
                f"{queue.scheduled_job_registry.get_job_ids()}, started "
                f"{queue.started_job_registry.get_job_ids()}, failed "
                f"{queue.failed_job_registry.get_job_ids()}"
            )
        rows = DBTaskResult.objects.filter(task_path=STEP_TASK).order_by("enqueued_at")
        return "Steps (ticket, status, due): " + "; ".join(
            f"{row.args_kwargs['args'][1][:6]} {row.status} {row.run_after:%Y-%m-%d %H:%M:%S.%f}"
            for row in rows
        )

    def steps_by_worker(self) -> Counter[str]:
        """How many steps each worker ran to the end."""
        if self.name == "rq":
            queue = django_rq.get_queue("default")
            ids = queue.finished_job_registry.get_job_ids()
            jobs = [job for job in Job.fetch_many(ids, connection=queue.connection) if job]
            return Counter(result.worker_name for job in jobs for result in job.results())
        done = DBTaskResult.objects.filter(task_path=STEP_TASK, status="SUCCESSFUL")
        return Counter(ids[-1] for ids in done.values_list("worker_ids", flat=True))


def _redis_empty(client: "redis.Redis[bytes]") -> None:
    for key in client.scan_iter():
        if key != REDIS_LOCK.encode():
            client.delete(key)


# --- the worker processes ---------------------------------------------------------------------


def database_url() -> str:
    """The test database (not the configured one: pytest-django renamed it), as DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"
    raise AssertionError(f"No DATABASE_URL for {db['ENGINE']}")


def worker_env(
    queue: TaskQueue, *, abandoned_after_seconds: int, read_timeout_seconds: int
) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
        "DATABASE_URL": database_url(),
        # The key the test's teams' API keys are encrypted with (tests/settings.py makes one).
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "CAMPAIGN_ABANDONED_AFTER_SECONDS": str(abandoned_after_seconds),
        "POSTPRESS_ALLOW_LOOPBACK_HTTP": "true",
        # A call may wait this long for its answer (the sandbox's err_slow_<ms>).
        "POSTPRESS_READ_TIMEOUT": str(read_timeout_seconds),
        "POSTPRESS_TOTAL_BUDGET": str(read_timeout_seconds),
        "PYTHONUNBUFFERED": "1",
        **queue.worker_env(),
    }


@dataclass
class _Worker:
    number: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]


class Workers:
    """`manage.py campaign_worker` processes, each in a process group of its own (an RQ worker
    runs its job and its scheduler in child processes): killing one kills the group."""

    def __init__(self, *, env: dict[str, str], log_dir: Path, ready_line: str) -> None:
        self.env = env
        self.log_dir = log_dir
        self.ready_line = ready_line
        self.all: list[_Worker] = []

    def start(self, count: int) -> list[_Worker]:
        started = []
        for _ in range(count):
            number = len(self.all) + 1
            log_path = self.log_dir / f"worker-{number}.log"
            log = log_path.open("wb")
            process = subprocess.Popen(
                [sys.executable, "manage.py", "campaign_worker", "--interval", "0.1"],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            worker = _Worker(number, process, log_path, log)
            self.all.append(worker)
            started.append(worker)
        return started

    def wait_ready(self, workers: list[_Worker], *, timeout: float = 30) -> None:
        wait_until(
            lambda: all(self.ready_line in w.log_path.read_text(errors="replace") for w in workers),
            timeout=timeout,
            what=f"{len(workers)} workers ready",
            workers=self,
        )

    def kill(self) -> None:
        """SIGKILL every worker still running, whatever it is doing."""
        for worker in self.all:
            if worker.process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        for worker in self.all:
            worker.log.close()

    def output(self) -> str:
        parts = []
        for worker in self.all:
            code = worker.process.poll()
            state = "running" if code is None else f"exited {code}"
            text = worker.log_path.read_text(errors="replace")[-4000:]
            parts.append(f"--- worker {worker.number} ({state}) ---\n{text}")
        return "\n".join(parts)


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    workers: Workers,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll until `condition` holds; fail with the workers' output after `timeout` seconds, or
    at once when every worker has exited."""
    deadline = time.monotonic() + timeout
    while not condition():
        alive = [w for w in workers.all if w.process.poll() is None]
        if time.monotonic() > deadline or not alive:
            reason = f"not within {timeout:g} s" if alive else "every worker exited"
            raise AssertionError(f"Waited for {what}: {reason}. {describe()}\n{workers.output()}")
        time.sleep(POLL_SECONDS)
