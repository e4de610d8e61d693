"""The studio's generation queue: jobs run one at a time on one worker thread, in the order they came. A job
reports its stage as it goes; cancelling it stops it at its next report (before the next sampler step), and a
cancelled or failed job's folder is removed, so it leaves no partial files."""

import itertools
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class Cancelled(Exception):
    """Raised inside a job's work when it was cancelled."""


@dataclass
class Job:
    id: str
    kind: str  # "generate" or "compare"
    request: dict  # what the page asked for
    folder: Path  # the job's own output folder
    state: str = "queued"  # queued, running, done, failed, cancelled
    stage: str = "queued"
    done: int = 0
    total: int = 1
    error: str | None = None
    result: dict = field(default_factory=dict)  # file names and, for a comparison, its metrics
    started: float | None = None
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def report(self, stage: str, done: int, total: int) -> None:
        """The work's progress hook: records the stage, and stops the work if the job was cancelled."""
        if self.cancel.is_set():
            raise Cancelled()
        self.stage, self.done, self.total = stage, done, max(1, total)

    def record(self, position: int | None) -> dict:
        """What the page is told of the job."""
        seconds = None if self.started is None else (self.finished or time.time()) - self.started
        return {"id": self.id, "kind": self.kind, "state": self.state, "stage": self.stage, "done": self.done,
                "total": self.total, "position": position, "error": self.error, "result": self.result,
                "seconds": seconds}


class JobQueue:
    """Jobs by id; `run(job)` does a job's work on the worker thread, calling `job.report` as it goes, and returns
    its result; `describe(error)` turns a failure into the one line the page shows."""

    def __init__(self, run: Callable[[Job], dict], describe: Callable[[BaseException], str]):
        self._run, self._describe = run, describe
        self._jobs: dict[str, Job] = {}
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="kinema-studio-jobs", daemon=True)
        self._worker.start()

    def submit(self, kind: str, request: dict, folder_of: Callable[[str], Path]) -> Job:
        with self._lock:
            job_id = f"{next(self._ids):04d}"
            job = Job(job_id, kind, request, folder_of(job_id))
            self._jobs[job_id] = job
        self._waiting.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def position(self, job: Job) -> int | None:
        """How many jobs run before this one (0: it is running or next), None once it has ended."""
        if job.state not in ("queued", "running"):
            return None
        ahead = [other for other in self._jobs.values()
                 if other.state in ("queued", "running") and int(other.id) < int(job.id)]
        return len(ahead)

    def cancel(self, job: Job) -> None:
        """Stop a queued job before it starts, or a running one at its next report."""
        with self._lock:  # the worker starts a job under the same lock: it is either still queued or running
            job.cancel.set()
            if job.state == "queued":
                job.state, job.stage = "cancelled", "cancelled"

    def stop(self) -> None:
        """Cancel every job and wait for the running one to stop (at its next report), so none is cut off while
        it writes."""
        for job in list(self._jobs.values()):
            self.cancel(job)
        self._waiting.put(None)
        self._worker.join()

    def _work(self) -> None:
        while (job := self._waiting.get()) is not None:
            with self._lock:
                if job.cancel.is_set():
                    job.state, job.stage = "cancelled", "cancelled"
                    continue
                job.state, job.started = "running", time.time()
            job.folder.mkdir(parents=True, exist_ok=True)
            result, error = {}, None
            try:
                result, state = self._run(job), "done"
            except Cancelled:
                state = "cancelled"
            except Exception as failure:  # noqa: BLE001  (any failure is shown on the page, in one line)
                state, error = "failed", self._describe(failure)
            if state != "done":
                shutil.rmtree(job.folder, ignore_errors=True)  # before the page can see the job has ended
            job.finished, job.result, job.error = time.time(), result, error
            if state == "done":
                job.done = job.total
            job.stage = {"done": "done", "cancelled": "cancelled"}.get(state, job.stage)  # a failure keeps its stage
            job.state = state  # last: what the page polls
