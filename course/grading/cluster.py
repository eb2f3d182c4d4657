"""Where submissions run: Dask workers, on a local cluster this command starts or on a scheduler's remote machines.

``course grade`` and ``course autograde`` hand every submission to ``dask.distributed`` as one
task. With no scheduler (no ``--scheduler``, no ``COURSE_DASK_SCHEDULER``) they start a
``LocalCluster`` of worker processes on this machine, one submission at a time each; with
``--scheduler tcp://HOST:PORT`` the same tasks go to that scheduler's workers, on any machine
that has this package and bubblewrap; with ``--gateway URL`` (``COURSE_DASK_GATEWAY``) a Dask
Gateway (on a Zero to JupyterHub cluster, say) starts a cluster of ``--workers`` workers for the
batch and shuts it down at the end.

Only bytes and JSON cross: the course's files and a sqlite snapshot of the gradebook go to every
worker once (a tar archive, the sqlite file's bytes), each task carries one submission's files,
and a worker sends back the graded notebook's files, the feedback's files and the gradebook rows
the grading wrote (plain data, for ``writer.write_batch``). Nothing a student made is unpickled
anywhere: their notebooks travel as file contents and are only ever read as JSON.

A worker process keeps its engine, and so its pre-loaded sandboxes, for its whole life
(``_ENGINES``). A worker that dies while grading loses only the submission it was running: the
scheduler runs it again once elsewhere (``allowed-failures`` of 1), then reports it as failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import shutil
import tarfile
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterable, Iterator

from course.errors import CourseError

#: The environment variable naming a Dask scheduler, as ``--scheduler`` does.
SCHEDULER_ENV = "COURSE_DASK_SCHEDULER"
#: The environment variable naming a Dask Gateway, as ``--gateway`` does.
GATEWAY_ENV = "COURSE_DASK_GATEWAY"
#: How long a Dask Gateway's new cluster may take to start its first worker (a pod pulling the course image).
GATEWAY_WORKER_SECONDS = 600
#: How many times a submission is run again after the worker running it died (Dask's ``allowed-failures``).
ALLOWED_FAILURES = 1
#: At most this many results are written to the gradebook in one transaction.
BATCH = 64
CONNECT_SECONDS = 20
MAX_FILE_BYTES = 256 * 1024 * 1024


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The Dask scheduler to grade on, checked: ``scheduler``, or None (a local cluster). Only the CLI reads
    ``$COURSE_DASK_SCHEDULER`` (``--scheduler``'s environment variable), as it reads ``COURSE_ENGINE``.

    Raises:
        CourseError: the address is not a ``tcp://``, ``tls://`` or ``ws://`` URL.
    """
    address = (scheduler or "").strip()
    if not address:
        return None
    if not address.startswith(("tcp://", "tls://", "ws://", "wss://")) or ":" not in address.split("://", 1)[1]:
        raise CourseError(f"{address!r} is not a Dask scheduler address: give it as tcp://HOST:PORT "
                          f"(what `dask scheduler` prints), or leave --scheduler and {SCHEDULER_ENV} unset to grade here.")
    return address


def gateway_address(gateway: str | None = None) -> str | None:
    """The Dask Gateway to grade on, checked: ``gateway`` (an ``http://`` or ``https://`` URL), or None.

    Raises:
        CourseError: it is not an http(s) URL.
    """
    url = (gateway or "").strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")) or not url.split("://", 1)[1].strip("/"):
        raise CourseError(f"{url!r} is not a Dask Gateway address: give it as http(s)://HOST[:PORT][/PATH] (on a "
                          "Zero to JupyterHub hub, http://proxy-public/services/dask-gateway), or leave --gateway and "
                          f"{GATEWAY_ENV} unset.")
    return url


def remote(scheduler: str | None = None, gateway: str | None = None) -> str | None:
    """Where the remote workers are, in words (``the Dask scheduler at …``), or None: a local cluster.

    Raises:
        CourseError: an address is malformed, or both a scheduler and a gateway are given.
    """
    address, url = scheduler_address(scheduler), gateway_address(gateway)
    if address and url:
        raise CourseError(f"both a Dask scheduler ({address}) and a Dask Gateway ({url}) are given: keep one "
                          f"(--scheduler/{SCHEDULER_ENV} or --gateway/{GATEWAY_ENV}).")
    if address:
        return f"the Dask scheduler at {address}"
    if url:
        return f"a cluster of the Dask Gateway at {url}"
    return None


@contextlib.contextmanager
def _gateway_client(url: str, workers: int) -> Iterator:
    """A client of a new cluster that the Dask Gateway at ``url`` starts with ``workers`` workers; shut down after.

    The gateway's authentication is Dask's configuration as it is found (on a Zero to JupyterHub
    hub, ``DASK_GATEWAY__AUTH__TYPE=jupyterhub`` with the server's own API token); the workers'
    image and settings are the gateway's (docs/DEPLOY.md).
    """
    try:
        from dask_gateway import GatewayCluster
    except ImportError:
        raise CourseError("grading on a Dask Gateway needs its client package: pip install dask-gateway (the version "
                          "the gateway runs), or use --scheduler, or neither.") from None
    try:
        cl = GatewayCluster(address=url, shutdown_on_close=True)
    except Exception as exc:  # connection refused, a name that does not resolve, 401/403, a gateway error
        raise CourseError(f"the Dask Gateway at {url} did not start a cluster ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0][:200] if str(exc) else ''}): check the address and its "
                          f"authentication (DASK_GATEWAY__AUTH__TYPE), or unset --gateway/{GATEWAY_ENV}.") from None
    try:
        cl.scale(workers)
        with cl.get_client() as c:
            try:
                c.wait_for_workers(1, timeout=GATEWAY_WORKER_SECONDS)
            except TimeoutError:
                raise CourseError(f"the Dask Gateway at {url} started a cluster but no worker joined it in "
                                  f"{GATEWAY_WORKER_SECONDS} s: check the gateway's worker image and resources "
                                  "(kubectl get pods), then grade again.") from None
            yield c
    finally:
        cl.close()  # shuts the cluster down on the gateway, and closes its client


@contextlib.contextmanager
def client(workers: int, scheduler: str | None = None, memory_mb: int | None = None,
           connect_seconds: float = CONNECT_SECONDS, gateway: str | None = None,
           local_directory: Path | None = None) -> Iterator:
    """A ``distributed.Client``: on ``scheduler`` if given, on a new cluster of the Dask Gateway ``gateway`` if
    given, else on a new local cluster of ``workers`` processes.

    The local cluster's workers run one task at a time (``threads_per_worker=1``), talk over TLS
    with a key only this process and they hold, and are closed at the end of the block; a remote
    scheduler's workers are left running for the next batch (its TLS, if any, is Dask's own
    configuration: ``DASK_DISTRIBUTED__COMM__TLS__…``).
    ``local_directory``: the local cluster's workers' folder (the instructor's files they unpack go there).

    Raises:
        CourseError: the scheduler does not answer.
    """
    import dask
    from distributed import Client, LocalCluster

    settings = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                "distributed.scheduler.worker-saturation": 1.0,  # a worker holds only the submission it runs
                "distributed.worker.daemon": False,  # a worker's sandboxes are its child processes
                # fork: a local worker starts in milliseconds with the grader's packages loaded, and a script or
                # notebook that calls grade_all needs no `if __name__ == "__main__"` guard (spawn would re-run it)
                "distributed.worker.multiprocessing-method": "fork",
                "distributed.admin.tick.limit": "60s",  # a long notebook run holds no event loop, but be quiet if it did
                # The scheduler's and workers' HTTP servers answer anyone who reaches them, without the TLS key (on a
                # one-machine hub: every student). Dask's default pages list the workers, tasks (named by student)
                # and logs, and proxy requests: keep only the health check.
                "distributed.scheduler.http.routes": ["distributed.http.health"],
                "distributed.worker.http.routes": ["distributed.http.health"]}
    remote(scheduler, gateway)  # one of them at most, each well formed
    address, url = scheduler_address(scheduler), gateway_address(gateway)
    with dask.config.set(settings):
        if url is not None:
            with _gateway_client(url, workers) as c:
                yield c
            return
        if address is not None:
            try:
                c = Client(address, timeout=connect_seconds)
            except (OSError, TimeoutError) as exc:
                raise CourseError(f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}): start it "
                                  f"(dask scheduler), check the address, or unset --scheduler/{SCHEDULER_ENV} to grade on "
                                  "this machine.") from None
            try:
                yield c
            finally:
                c.close()
            return
        memory = f"{memory_mb}MiB" if memory_mb else "auto"
        # The workers are forked while Dask's event-loop thread runs. A thread writing a log line at that moment
        # holds its stream's lock, and the new worker's first log line then waits on it forever (a hang seen
        # under pytest, whose root handler gets Dask's INFO lines). Below ERROR, Dask's loggers write nothing,
        # here or in the forked workers, while the local cluster lives.
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            # security=True: TLS with a key made for this cluster, in memory, both ways. A Dask scheduler runs
            # whatever it is sent, and on a one-machine hub every student can reach 127.0.0.1: without the key,
            # nobody connects.
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, memory_limit=memory, silence_logs=logging.ERROR,
                                   security=True, local_directory=str(local_directory) if local_directory else None)
            try:
                with Client(cluster) as c:
                    yield c
            finally:
                cluster.close()
        finally:
            quiet.setLevel(level)


# ---------------------------------------------------------------- what crosses


def pack(files: dict[str, Path]) -> bytes:
    """A gzip'd tar archive of regular files, named by their paths in it (links are never followed or packed)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for name, path in sorted(files.items()):
            if path.is_file() and not path.is_symlink():
                tar.add(str(path), arcname=name, recursive=False)
    return buffer.getvalue()


def unpack(data: bytes, dest: Path) -> None:
    """Write an archive made by :func:`pack` into ``dest``: regular files only, each under ``dest``."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")


def files_in(folder: Path, prefix: str = "") -> dict[str, Path]:
    """Every regular file under ``folder`` by its relative path (``prefix`` before it); links are left out."""
    folder = Path(folder)
    out = {}
    if not folder.is_dir() or folder.is_symlink():
        return out
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(here) / d).is_symlink() and d not in (".ipynb_checkpoints", "__pycache__")]
        for name in names:
            path = Path(here) / name
            if path.is_file() and not path.is_symlink():
                out[prefix + str(path.relative_to(folder))] = path
    return out


def read_files(folder: Path) -> dict[str, bytes]:
    """The regular files under ``folder`` as ``{relative path: bytes}`` (links left out)."""
    return {name: path.read_bytes() for name, path in files_in(folder).items() if path.stat().st_size <= MAX_FILE_BYTES}


def write_files(files: dict[str, bytes], dest: Path) -> None:
    """Replace ``dest`` by a folder holding ``files`` (relative paths; none may leave ``dest``)."""
    dest = Path(dest)
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    root = dest.resolve()
    for name, data in files.items():
        target = (dest / name).resolve()
        if root not in target.parents:
            raise CourseError(f"a grading worker sent back a file outside its folder ({name}): grade again without --scheduler.")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def course_bundle(ws, aid: str) -> bytes:
    """What a worker needs to grade ``aid`` as ``ws`` does, as bytes: the configuration, the manifest, the source."""
    files: dict[str, Path] = {}
    if ws.repo is not None:
        files["course/nbgrader_config.py"] = ws.repo / "nbgrader_config.py"
        files[f"course/assignments/{aid}.yml"] = ws.repo / "assignments" / f"{aid}.yml"
    else:
        files["course/nbgrader_config.py"] = ws.root / "nbgrader_config.py"
    files.update(files_in(ws.source_dir(aid), "source/"))
    return pack(files)


# ---------------------------------------------------------------- in a worker process

#: What a worker process keeps between its tasks: one engine per name (its loaded zygotes), unpacked course bundles,
#: and the SQLAlchemy engines of its private gradebook (their compiled queries: ``shared_gradebook_engines``).
_ENGINES: dict[str, object] = {}
_BUNDLES: dict[str, Path] = {}
_SQL_ENGINES: dict = {}
_MANIFESTS: dict[tuple[str, str], object] = {}  # (unpacked bundle, assignment) -> its manifest, read once


def _engine(name: str):
    if name not in _ENGINES:
        from course.grading import engine as engines

        _ENGINES[name] = engine = engines.make(name)
        engine.close_on_worker_exit()  # a worker under a nanny leaves through os._exit, past atexit
    return _ENGINES[name]


def _remove_on_exit(folder: Path) -> None:
    """Delete ``folder`` (the instructor's notebooks) when this worker process ends, however it leaves but SIGKILL."""
    import atexit
    import multiprocessing.util

    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=10)


def _scratch() -> str | None:
    """Where this worker keeps the instructor's files: its Dask local directory (a local cluster's is in the
    course's private .course-cache, so a worker killed mid-batch leaves no solution in /tmp), else the temp folder."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return None


def _bundle(data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()[:20]
    if digest not in _BUNDLES:
        folder = Path(tempfile.mkdtemp(prefix="course-bundle-", dir=_scratch()))
        _remove_on_exit(folder)
        unpack(data, folder)
        (folder / "course" / "source").mkdir(parents=True, exist_ok=True)  # a course may have no nbgrader_config.py
        _BUNDLES[digest] = folder
    return _BUNDLES[digest]


def _gradebook(snapshot: bytes, snapshot_id: str) -> Path:
    """This worker's private gradebook for a batch: the snapshot written once, then used by every task it runs.

    Each task grades a different student, and nbgrader's autograde writes only that student's rows,
    so one copy per worker serves the whole batch (a class of 10,000 is not copied once per submission).
    """
    key = f"gradebook-{snapshot_id or hashlib.sha256(snapshot).hexdigest()[:20]}"
    if key not in _BUNDLES:
        for old in [k for k in _BUNDLES if k.startswith("gradebook-")]:  # an earlier batch's, on a long-lived worker
            shutil.rmtree(_BUNDLES.pop(old), ignore_errors=True)
        while _SQL_ENGINES:
            _SQL_ENGINES.popitem()[1].dispose()
        folder = Path(tempfile.mkdtemp(prefix="course-gradebook-", dir=_scratch()))
        _remove_on_exit(folder)
        (folder / "gradebook.db").write_bytes(snapshot)
        _BUNDLES[key] = folder
    return _BUNDLES[key] / "gradebook.db"


def grade_task(job: dict, bundle: bytes, snapshot: bytes) -> dict:
    """In a worker: grade one submission with nbgrader's autograde in a private course; return what it made, as data.

    ``job``: ``student``, ``assignment``, ``mode`` (``repo`` for ``course grade``, ``course`` for an
    nbgrader course), ``engine``, ``limits``, ``snapshot_id`` (the snapshot's digest, made once by the
    grading process), ``feedback`` (write the feedback too) and ``files``
    (the submission, ``{relative path: bytes}``). Returns a dict of plain data: ``ok``, ``reason``,
    ``seconds``, ``rows`` (``writer.rows_of``), ``state``, ``notes``, ``autograded`` and ``feedback``
    (``{relative path: bytes}``).
    """
    from course import manifest as manifests
    from course.grading.workspace import Workspace, last_line, shared_gradebook_engines
    from course.grading import writer
    from course.limits import Limits

    started = time.perf_counter()
    student, aid = job["student"], job["assignment"]
    unpacked = _bundle(bundle)
    db = _gradebook(snapshot, job.get("snapshot_id", ""))
    # nbgrader opens a dozen Gradebooks per submission: one engine each compiled the same queries again
    with shared_gradebook_engines(_SQL_ENGINES, scratch=True), tempfile.TemporaryDirectory(prefix="course-worker-") as tmp:
        tmp = Path(tmp)
        engine = _engine(job["engine"])
        if job["mode"] == "course":
            ws = Workspace(tmp / "course", course=unpacked / "course", db_url=f"sqlite:///{db}", sandboxed=True,
                           engine=engine, limits=Limits(**job["limits"]), late_policy=job.get("late_policy"))
            manifest = None
        else:
            # the grading process's late policy, not only the manifest's on disk (course demo adds one)
            if (str(unpacked), aid) not in _MANIFESTS:  # a bundle's files never change: its YAML is read once per worker
                _MANIFESTS[str(unpacked), aid] = manifests.load(aid, unpacked / "course")
            manifest = dataclasses.replace(_MANIFESTS[str(unpacked), aid], late_policy=job.get("late_policy"))
            ws = Workspace.for_manifest(manifest, tmp / "course", repo=unpacked / "course", db_url=f"sqlite:///{db}",
                                        sandboxed=True, engine=engine)
        shutil.copytree(unpacked / "source", ws.source_dir(aid))
        write_files(job["files"], ws.submitted_dir(aid, student))
        result = ws.autograde(aid, student)
        if not result.get("success"):
            return {"student": student, "ok": False, "reason": f"autograding failed: {last_line(result)}",
                    "seconds": time.perf_counter() - started}
        with ws.gradebook() as gb:
            sub = gb.find_submission(aid, student)
            rows, state = writer.rows_of(sub), writer.state_of(sub)
        notes = {p.stem: ws.grading_notes(aid, student, p.stem) for p in sorted(ws.autograded_dir(aid, student).glob("*.ipynb"))}
        feedback: dict[str, bytes] | None = None
        if job.get("feedback"):
            try:  # from the private gradebook: the parent uses it only if its own gradebook comes out in the same state
                ws.feedback(aid, student)
                feedback = read_files(ws.feedback_dir(aid, student))
            except CourseError:
                feedback = None
        out = {"student": student, "ok": True, "reason": "", "rows": rows, "state": state, "notes": notes,
               "autograded": read_files(ws.autograded_dir(aid, student)), "feedback": feedback,
               "seconds": time.perf_counter() - started, "worker": os.getpid()}
        return out


def check_task(job: dict, bundle: bytes, snapshot: bytes) -> dict:
    """In a worker: grade the instructor's own notebooks (the bundle's ``source/``) as submissions, in the sandbox.

    ``job``: ``assignment``, ``engine``, ``limits``. Returns ``{"check": ""}`` when every autograded
    test passes for the solution, else ``{"check": why}`` (``autograde.solution_failure``). It runs
    on the worker's kept engine, whose sandboxes then grade the class.
    """
    from course.grading.autograde import check_solutions
    from course.limits import Limits

    return {"student": "", "check": check_solutions(_bundle(bundle) / "source", Limits(**job["limits"]), _engine(job["engine"]))}


# ---------------------------------------------------------------- in the grading process


def run(c, jobs: Iterable[dict], bundle: bytes, snapshot: bytes, task=None, check: dict | None = None) -> Iterator[list[dict]]:
    """Submit ``jobs`` to the cluster behind ``c``, one per worker thread at a time; yield their results in batches.

    ``task``: what each job runs, ``task(job, bundle, snapshot)`` (default :func:`grade_task`;
    ``benchmarks/scale.py`` replays recorded costs through it). ``check``: a job for
    :func:`check_task`, run first; the other workers start on the class meanwhile, but no result
    is yielded until the instructor's solution got full marks. If it did not (or the check could
    not run), every task is cancelled and :class:`~course.errors.GradingError` says why: nothing
    of the class was yielded, so nothing is written.

    As many tasks are in flight as the cluster has threads (workers that join later take work
    at once): no task ever waits in a worker's own queue, so a worker that dies takes only the
    submission it was running with it. ``jobs`` is read as tasks finish, so a class of 10,000
    never has all its submissions in memory.
    """
    from distributed import as_completed

    from course.errors import GradingError

    run_id = uuid.uuid4().hex[:8]
    # Tasks, not scattered data: if every worker holding them dies at once (a lost machine, or two workers
    # killed together), the scheduler makes them again from its copy, where lost scattered data would
    # cancel every submission still to run.
    bundle_f = c.submit(_same, bundle, key=f"course-bundle-{run_id}", pure=False)
    snapshot_f = c.submit(_same, snapshot, key=f"gradebook-snapshot-{run_id}", pure=False)
    jobs = iter(jobs)
    futures: dict[str, tuple[object, str | None]] = {}  # key: the future, and its student (None: the solution's check)

    def threads() -> int:
        return max(1, sum(c.nthreads().values()))  # asked now: a cached count would still hold a dead worker

    def fill() -> list:
        new = []
        while len(futures) < threads():
            job = next(jobs, None)
            if job is None:
                break
            f = c.submit(task or grade_task, job, bundle_f, snapshot_f, key=f"grade-{job['assignment']}-{job['student']}-{run_id}",
                         retries=1, pure=False)
            futures[f.key] = (f, job["student"])
            new.append(f)
        return new

    first = []
    if check is not None:
        f = c.submit(check_task, check, bundle_f, snapshot_f, key=f"check-solution-{check['assignment']}-{run_id}",
                     retries=1, pure=False)
        futures[f.key] = (f, None)
        first.append(f)
    held: list[dict] | None = [] if check is not None else None  # results that wait for the check
    pending = as_completed(first + fill())
    for done in pending.batches():
        out = []
        for f in done:
            _, student = futures.pop(f.key)
            if student is None:
                if f.status == "finished":
                    failure = f.result()["check"]
                else:
                    why = f"{type(f.exception()).__name__}: {str(f.exception())[:200]}" if f.status == "error" else f.status
                    failure = (f"the instructor's solution could not be graded on the cluster ({why}), so no student was: "
                               "grade again, or with --workers 1 to check it in this process")
                f.release()
                if failure:
                    pending.clear()
                    c.cancel([g for g, _ in futures.values()])
                    raise GradingError(failure)
                out, held = held + out, None
                continue
            if f.status == "finished":
                out.append(f.result())
            elif f.status == "error":
                out.append({"student": student, "ok": False, "reason": _why_failed(f.exception()), "seconds": 0.0})
            else:
                out.append({"student": student, "ok": False, "seconds": 0.0,
                            "reason": f"grading it stopped on the cluster ({f.status}); grade this student again with --student"})
            f.release()
        for f in fill():
            pending.add(f)
        if held is not None:
            held += out
            continue
        for i in range(0, len(out), BATCH):
            yield out[i:i + BATCH]


def _same(data: bytes) -> bytes:
    """In a worker: the batch's course bundle or gradebook snapshot, as the scheduler holds it."""
    return data


def _why_failed(exc: BaseException | None) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return (f"the grading worker running it died {ALLOWED_FAILURES + 1} times (a machine lost, or out of memory); "
                "grade this student again with --student")
    return f"grading it failed twice on the cluster ({name}: {str(exc)[:200]}); grade this student again with --student"
