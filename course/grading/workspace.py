"""An nbgrader course directory driven through nbgrader's Python API: the one adapter to nbgrader.

It owns nbgrader's configuration (which steps run, with which limits and engine), the
gradebook's queries and backups, the course folders and the exchange, and the reading of
nbgrader's result dicts. Nothing else in the course talks to nbgrader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
import shutil
import sqlite3
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from course.errors import CourseError, GradingError
from course.grading import engine as engines
from course.grading import sandbox, steps, writer
from course.grading.roster import Student  # noqa: F401  (imported from here by most of the grader)
from course.limits import Limits
from course.manifest import Manifest
from course.paths import find_root, use_this_environment

CONFIG_FILE = "nbgrader_config.py"


def load_config(repo: Path) -> Config:
    """Load the repository's ``nbgrader_config.py`` as a traitlets Config."""
    path = Path(repo) / CONFIG_FILE
    if not path.is_file():
        raise CourseError(f"no {CONFIG_FILE} in {repo}: restore it from the repository (git checkout {CONFIG_FILE}).")
    return PyFileConfigLoader(CONFIG_FILE, path=str(repo)).load_config()


def load_course_config(course: Path) -> Config:
    """An nbgrader course's own configuration: its ``nbgrader_config.py`` if it has one, with its root made absolute.

    Raises:
        CourseError: the folder does not exist.
    """
    course = Path(course).resolve()
    if not course.is_dir():
        raise CourseError(f"no folder {course}: run this in your nbgrader course folder, or pass --course FOLDER.")
    config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config() if (course / CONFIG_FILE).is_file() else Config()
    root = Path(config.CourseDirectory.get("root", "") or course)
    root = root if root.is_absolute() else (course / root).resolve()
    config.CourseDirectory.root = str(root)
    if "db_url" not in config.CourseDirectory:  # nbgrader's own default
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    if "course_id" not in config.CourseDirectory:
        config.CourseDirectory.course_id = ""
    if "root" not in config.Exchange:
        from nbgrader.exchange.default.exchange import Exchange

        config.Exchange.root = Exchange.class_traits()["root"].default()
    return config


def _default_feedback_steps() -> list:
    from nbgrader.converters import GenerateFeedback

    return list(GenerateFeedback.class_traits()["preprocessors"].default())


def configured_limits(config: Config) -> dict[str, int]:
    """The run limits an instructor set in ``nbgrader_config.py`` (``c.SandboxedExecute.<name> = ...``).

    A course that sets only nbgrader's ``c.Execute.timeout`` gets it as the time limit per cell.
    """
    section = config.SandboxedExecute if "SandboxedExecute" in config else {}
    found = {name: section[name] for name in Limits.fields() if name in section}
    if "cell_seconds" not in found and "Execute" in config and isinstance(config.Execute.get("timeout"), int):
        found["cell_seconds"] = config.Execute.timeout
    return found


def sqlite_file(db_url: str) -> Path | None:
    """The file of a sqlite gradebook URL, or None for a database server."""
    prefix = "sqlite:///"
    return Path(db_url[len(prefix):]) if db_url.startswith(prefix) else None


def shown_url(db_url: str) -> str:
    """A gradebook URL fit to print: its password hidden."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:
        return db_url.split("@")[-1]


def _cannot_open(db_url: str, exc: BaseException) -> CourseError:
    from sqlalchemy.exc import NoSuchModuleError

    why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, (ImportError, NoSuchModuleError)):
        todo = ("install its database driver (for postgresql://, psycopg: pip install 'psycopg[binary]'; "
                "make install does)")
    else:
        todo = "check COURSE_DB_URL (e.g. postgresql://user:password@host:5432/gradebook) and that its server is running"
    return CourseError(f"cannot open the gradebook {shown_url(db_url)} ({why[:200]}): {todo}.")


#: What SQLAlchemy raises for a gradebook that cannot be opened: a malformed URL, no driver, no server.
def _open_errors() -> tuple:
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    return ArgumentError, NoSuchModuleError, OperationalError, ImportError


@functools.lru_cache(maxsize=None)
def schema_head() -> str:
    """The schema revision nbgrader stamps a new gradebook with, read from its migration scripts in this process.

    nbgrader asks a subprocess (``alembic heads``: a second Python start-up, 2-3 s on a quiet
    machine, far more on a busy one) every time it creates a gradebook, and scratch gradebooks
    are made for every release check and grading job. The answer is a constant of the installed
    nbgrader; Alembic's own ScriptDirectory gives the same one without the subprocess.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = AlembicConfig()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def _stamp_in_process() -> None:
    """Have nbgrader's Gradebook stamp new gradebooks with :func:`schema_head` (the same revision, no subprocess)."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = schema_head


def open_gradebook(db_url: str, course_id: str):
    """nbgrader's Gradebook at ``db_url``; a gradebook that cannot be opened is a one-line CourseError.

    Raises:
        CourseError: a malformed URL, a missing database driver, or a server that does not answer.
    """
    from nbgrader.api import Gradebook

    use_this_environment()  # nbgrader's own steps (plain nbgrader) may still run this environment's alembic script
    _stamp_in_process()
    try:
        return Gradebook(db_url, course_id)
    except _open_errors() as exc:
        raise _cannot_open(db_url, exc) from None


def snapshot_gradebook(db_url: str, course_id: str, dest: Path, assignment: str, students: list[str]) -> None:
    """Write to ``dest`` a new sqlite gradebook holding the rows of ``db_url`` that grading ``students`` on ``assignment`` reads.

    Whatever the gradebook (a sqlite file, a PostgreSQL server), grading workers each get a
    private copy of this file, so only the process that made it ever writes the shared gradebook.
    Copied: the courses, the assignment with its notebooks and cells, the students, and their
    submissions of that assignment with grades and comments (manual grades included), in
    nbgrader's own schema and version; nothing of other assignments or students.

    Raises:
        CourseError: the gradebook cannot be opened.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, select, text

    dest = Path(dest)
    dest.unlink(missing_ok=True)
    roots = {"assignment": lambda t: (t.c.name == assignment) & (t.c.course_id == course_id),
             "student": lambda t: t.c.id.in_(list(students))}
    target = create_engine(f"sqlite:///{dest}")
    try:
        source = create_engine(db_url)
        src = source.connect()
    except _open_errors() as exc:
        target.dispose()
        raise _cannot_open(db_url, exc) from None
    try:
        Base.metadata.create_all(target)
        kept: dict[str, list[dict]] = {}
        narrowed: set[str] = set()  # tables of which only some rows are copied
        with src, target.begin() as dst:
            # nbgrader's schema version, as nbgrader stamps a new gradebook (no alembic run here)
            dst.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            for version in src.execute(text("SELECT version_num FROM alembic_version")).scalars():
                dst.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
            for table in Base.metadata.sorted_tables:  # parents before children
                query = select(table)
                if table.name in roots:
                    query = query.where(roots[table.name](table))
                    narrowed.add(table.name)
                for fk in table.foreign_keys:  # a row is kept only if every row it refers to in a narrowed table is
                    if fk.column.table.name not in narrowed:
                        continue  # copied whole: a reference nbgrader left dangling (course id "", no such course) stays
                    wanted = {row[fk.column.name] for row in kept[fk.column.table.name]}
                    query = query.where(fk.parent.in_(sorted(wanted)))
                    narrowed.add(table.name)
                rows = [dict(row) for row in src.execute(query).mappings()]
                kept[table.name] = rows
                if rows:
                    dst.execute(table.insert(), rows)
    finally:
        source.dispose()  # no connection to a server is left open for forked workers to inherit
        target.dispose()


def links_in(folder: Path) -> list[str]:
    """The symbolic links in a submission folder (relative paths; "." if the folder itself is one), never followed."""
    folder = Path(folder)
    if folder.is_symlink():
        return ["."]
    found = []
    for here, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(here) / name
            if path.is_symlink():
                found.append(str(path.relative_to(folder)))
    return sorted(found)


def keep_links_only(src: Path, dest: Path) -> None:
    """Make ``dest`` hold only the links found in ``src`` (as links, never their targets' contents)."""
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if Path(src).is_symlink():
        os.symlink(os.readlink(src), dest / Path(src).name)
        return
    for rel in links_in(src):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.readlink(Path(src) / rel), dest / rel)


def _utc_naive(when: dt.datetime) -> dt.datetime:
    # nbgrader stores due dates and timestamps as naive UTC.
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


class Workspace:
    """One nbgrader course root: its copy of the source notebooks, release, submissions, gradebook.

    Args:
        root: the nbgrader course root. Defaults to ``CourseDirectory.root`` of
            ``nbgrader_config.py`` (``.work/course`` in the repository).
        repo: the course repository (where ``source/`` and ``nbgrader_config.py`` are).
        exchange: the nbgrader exchange folder. Defaults to the configured one when
            ``root`` is the configured root, else ``<root>/exchange``.
        db_url: the gradebook. Defaults likewise (configured, or a sqlite file in ``root``).
        sandboxed: run each submission in a sandbox (``steps.SandboxedExecute``) instead of
            nbgrader's own Execute step. ``None`` (the default) sandboxes where a sandbox is available.
        engine: what runs the sandboxed notebooks: an engine name (``zygote``, ``fresh``) or an
            engine object (``course.grading.engine``) shared with other workspaces. The
            workspace closes only an engine it made.
        limits: the limits of each run (``Limits.for_manifest``); default: the configured ones.
        late_policy: the manifest's ``late_policy`` (percent off per day late, days until zero).

    Raises:
        SandboxUnavailable: ``sandboxed=True`` and this machine cannot make a sandbox.
    """

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        repo: Path | str | None = None,
        exchange: Path | str | None = None,
        db_url: str | None = None,
        sandboxed: bool | None = None,
        engine: str | object = "zygote",
        limits: Limits | None = None,
        late_policy: dict | None = None,
        course: Path | str | None = None,
    ):
        use_this_environment()
        if course is not None:  # an nbgrader course of its own: its configuration, its folders
            self.repo = None
            self.config = load_course_config(Path(course))
        else:
            self.repo = find_root(repo)
            self.config = load_config(self.repo)
        configured_root = Path(self.config.CourseDirectory.root)
        self.root = Path(root).resolve() if root is not None else configured_root
        custom = self.root != configured_root
        self.config.CourseDirectory.root = str(self.root)
        if db_url or custom:
            self.config.CourseDirectory.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"
        if exchange or custom:
            self.config.Exchange.root = str(exchange or self.root / "exchange")
        self._use_limits(limits or Limits.configured(configured_limits(self.config)))
        self.late_policy = dict(late_policy) if late_policy else None  # what a Dask worker grades with too
        if late_policy:
            self.config.AssignLatePenalties.plugin_class = "course.grading.steps.ManifestLatePenalty"
            for key, value in late_policy.items():
                self.config.ManifestLatePenalty[key] = value
        if sandboxed is None:
            try:
                sandbox.check_available()
                sandboxed = True
            except sandbox.SandboxUnavailable:
                sandboxed = False
        elif sandboxed:
            sandbox.check_available()
        self.sandboxed = sandboxed
        self.engine, self._owns_engine = None, False
        if sandboxed:
            self.engine, self._owns_engine = (engines.make(engine), True) if isinstance(engine, str) else (engine, False)
            if isinstance(self.engine, engines.LocalEngine):
                raise CourseError("the local engine runs students' code without a sandbox: grade with the zygote or "
                                  "fresh engine, or pass --unsandboxed for submissions you trust.")
            self.config.Autograde.autograde_preprocessors = steps.autograde_preprocessors(
                self.config.Autograde.get("autograde_preprocessors"))
            self.config.SandboxedExecute.source_root = str(self.step_dir("source"))
            self.config.SandboxedExecute.engine = self.engine
        # Feedback never shows a hidden test, whoever autograded the notebook (plain nbgrader keeps them).
        feedback_steps = list(self.config.GenerateFeedback.get("preprocessors") or _default_feedback_steps())
        if steps.StripHiddenTests not in feedback_steps:
            feedback_steps = [steps.StripHiddenTests, *feedback_steps]
        # ... and says how many points are still to be graded by hand, so that a pending 0 never reads as final.
        if steps.PendingHandGrading not in feedback_steps:
            feedback_steps = [*feedback_steps, steps.PendingHandGrading]
        self.config.GenerateFeedback.preprocessors = feedback_steps
        if "exporter_class" not in self.config.GenerateFeedback:  # nbconvert's HTML, its templates compiled once per process
            self.config.GenerateFeedback.exporter_class = steps.FeedbackExporter
        # nbconvert validates the whole notebook after each of nbgrader's steps (17 times per submission): once,
        # after the last, is its own option; a notebook that ends invalid is still refused, as before.
        if "optimistic_validation" not in self.config.Exporter:
            self.config.Exporter.optimistic_validation = True
        # nbgrader logs every step at INFO; the course tools print their own progress.
        self.config.NbGraderAPI.log_level = logging.WARNING
        self.root.mkdir(parents=True, exist_ok=True)
        self._api = None

    @classmethod
    def for_manifest(cls, manifest: Manifest, root: Path | str | None = None, **kwargs) -> "Workspace":
        """A workspace that grades ``manifest``'s assignment with its limits (``Limits.for_manifest``) and late policy."""
        ws = cls(root, late_policy=manifest.late_policy, **kwargs)
        ws._use_limits(Limits.for_manifest(manifest, configured_limits(ws.config)))
        if manifest.per_student_seed:
            if not ws.sandboxed:
                raise CourseError(f"{manifest.id} gives each student their own numbers (per_student_seed), "
                                  "which only the sandboxed grader applies. Grade it with a sandbox.")
            ws.config.SandboxedExecute.per_student_seed = True
        return ws

    def _use_limits(self, limits: Limits) -> None:
        """Run every notebook under ``limits``: nbgrader's own Execute step and the sandboxed one alike."""
        self.limits = limits
        self.config.Execute.timeout = limits.cell_seconds
        for key, value in limits.as_dict().items():
            self.config.SandboxedExecute[key] = value

    def close(self) -> None:
        """Stop the engine's sandboxes, if this workspace made the engine."""
        if self._owns_engine and self.engine is not None:
            self.engine.close()

    # -- paths ------------------------------------------------------------------
    @property
    def course_id(self) -> str:
        return self.config.CourseDirectory.course_id

    @property
    def db_url(self) -> str:
        return self.config.CourseDirectory.db_url

    @property
    def exchange_root(self) -> Path:
        return Path(self.config.Exchange.root)

    def step_dir(self, name: str) -> Path:
        """The folder of an nbgrader step for every student and assignment (``c.CourseDirectory.<name>_directory``,
        nbgrader's default name otherwise), e.g. ``step_dir("submitted")``."""
        return self.root / self.config.CourseDirectory.get(f"{name}_directory", name)

    def source_dir(self, aid: str) -> Path:
        return self.step_dir("source") / aid

    def release_dir(self, aid: str) -> Path:
        return self.step_dir("release") / aid

    def submitted_dir(self, aid: str, student: str) -> Path:
        return self.step_dir("submitted") / student / aid

    def autograded_dir(self, aid: str, student: str) -> Path:
        return self.step_dir("autograded") / student / aid

    def feedback_dir(self, aid: str, student: str) -> Path:
        return self.step_dir("feedback") / student / aid

    # -- nbgrader ---------------------------------------------------------------
    @property
    def api(self):
        if self._api is None:
            _check_metadata_with_cached_schema()
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory

            coursedir = CourseDirectory(config=self.config)
            self._api = NbGraderAPI(coursedir=coursedir, config=self.config)
        return self._api

    def gradebook(self):
        """A new nbgrader Gradebook; use it in a ``with`` block so it is closed.

        Raises:
            CourseError: the gradebook cannot be opened (``open_gradebook``).
        """
        return open_gradebook(self.db_url, self.course_id)

    def snapshot_gradebook(self, dest: Path, aid: str, students: list[str]) -> None:
        """A private sqlite copy of what grading ``students`` on ``aid`` reads from this gradebook (``snapshot_gradebook``)."""
        snapshot_gradebook(self.db_url, self.course_id, dest, aid, students)

    @staticmethod
    def check(result: dict, what: str) -> str:
        """Turn one of nbgrader's result dicts into a log string, or raise GradingError."""
        if result is None:
            raise GradingError(f"{what}: nbgrader's exchange is not available on this platform.")
        if not result.get("success"):
            raise GradingError(f"{what} failed: {last_line(result)}")
        return result.get("log", "")

    # -- steps ------------------------------------------------------------------
    def sync(self, manifest: Manifest, students: list[Student] = ()) -> None:
        """Copy the assignment's source in, and make the gradebook match the manifest and roster.

        A student already in the gradebook keeps their grades; only names, e-mail and LMS user id are updated.
        """
        src = manifest.source_dir(self.repo)
        if not src.is_dir():
            raise CourseError(f"no folder source/{manifest.id}: the manifest declares it. Add the notebooks or fix the id.")
        dest = self.source_dir(manifest.id)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for translated in src.parent.glob(f"{manifest.id}.*.yml"):  # beside, never inside: nbgrader releases the folder
            shutil.copy2(translated, dest.parent / translated.name)  # feedback in the student's language (grading.language)
        with self.gradebook() as gb:
            gb.update_or_create_assignment(manifest.id, duedate=_utc_naive(manifest.due))
            for s in students:
                lms = {"lms_user_id": s.lms_user_id} if s.lms_user_id else {}  # one set elsewhere is kept
                gb.update_or_create_student(s.id, first_name=s.first_name, last_name=s.last_name, email=s.email, **lms)

    def generate(self, manifest: Manifest) -> Path:
        """``nbgrader generate_assignment``: write the student version into this workspace's release/."""
        self.check(self.api.generate_assignment(manifest.id, force=True, create=True), f"generating {manifest.id}")
        return self.release_dir(manifest.id)

    def release_to_exchange(self, aid: str) -> None:
        self.exchange_root.mkdir(parents=True, exist_ok=True)
        self.api.unrelease(aid)
        self.check(self.api.release_assignment(aid), f"releasing {aid} to the exchange")

    def submit(self, aid: str, student: str, folder: Path, timestamp: dt.datetime | None = None) -> None:
        """Submit ``folder`` to the exchange as ``student`` would with ``nbgrader submit``.

        Args:
            timestamp: when the work was handed in (default: now). Used by the sample class
                to replay a late submission.
        """
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange.default.submit import ExchangeSubmit

        coursedir = CourseDirectory(config=self.config)
        coursedir.assignment_id = aid
        coursedir.student_id = student
        app = ExchangeSubmit(coursedir=coursedir, authenticator=self.api.authenticator, config=self.config)
        app.assignment_dir = str(Path(folder).parent)
        app.cache = str(self.root / "cache" / student)
        app.start()
        if timestamp is not None:
            inbound = self.exchange_root / self.course_id / "inbound"
            stamp = _utc_naive(timestamp).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            for path in inbound.glob(f"{student}+{aid}+*"):
                (path / "timestamp.txt").write_text(stamp)

    def collect(self, aid: str) -> list[str]:
        """``nbgrader collect``, never following a symbolic link out of a student's submission,
        never taking a submission in one student's name that another user put in the exchange.

        nbgrader's collect copies the files a link points to. So the exchange is read first: a
        student whose latest submission holds a link gets, in ``submitted/``, that link and
        nothing else (grading then reports it as that student's problem; nothing is read
        through it). nbgrader only warns when a submission is owned by another user than the one
        it names; here it is set aside (renamed, so nbgrader does not collect it) and reported.

        Returns:
            One line for the instructor per submission set aside or whose owner could not be checked.
        """
        inbound = self.exchange_root / self.course_id / "inbound"
        notices = set_aside_foreign(inbound, aid)
        latest: dict[str, Path] = {}
        for entry in sorted(inbound.glob(f"*+{aid}+*")) if inbound.is_dir() else []:
            student, _, stamp = entry.name.partition(f"+{aid}+")
            if student not in latest or stamp > latest[student].name.partition(f"+{aid}+")[2]:
                latest[student] = entry
        linked = {student: entry for student, entry in latest.items() if links_in(entry)}
        self.check(self.api.collect(aid, update=True), f"collecting {aid}")
        for student, entry in linked.items():
            keep_links_only(entry, self.submitted_dir(aid, student))
        return notices

    def autograde(self, aid: str, student: str) -> dict:
        """``nbgrader autograde`` for one student; returns nbgrader's result dict (never raises for the student's work)."""
        return self.api.autograde(aid, student, force=True, create=True)

    def feedback(self, aid: str, student: str) -> Path:
        self.check(self.api.generate_feedback(aid, student, force=True), f"feedback for {student}")
        return self.feedback_dir(aid, student)

    def feedback_all(self, aid: str, students: list[str]) -> dict[str, str]:
        """``nbgrader generate_feedback`` for ``students``: ``{student: "" or why it failed}``.

        When they are every autograded student of ``aid``, nbgrader runs once for all of them (its
        templates are compiled once, not once per student); a student it could not do is then run
        alone, for the reason.
        """
        graded = self.step_dir("autograded")
        everyone = sorted(p.name for p in graded.iterdir() if (p / aid).is_dir()) if graded.is_dir() else []
        if len(students) > 1 and sorted(students) == everyone:
            for student in students:  # as nbgrader's --force does: what is there after the run is this run's
                shutil.rmtree(self.feedback_dir(aid, student), ignore_errors=True)
            with shared_gradebook_engines():
                self.api.generate_feedback(aid, force=True)
            done = {s for s in students if any(self.feedback_dir(aid, s).glob("*.html"))}
        else:
            done = set()
        out = {}
        with shared_gradebook_engines():
            for student in students:
                result = {"success": True} if student in done else self.api.generate_feedback(aid, student, force=True)
                out[student] = "" if result.get("success") else last_line(result)
        return out


    # -- gradebook --------------------------------------------------------------
    def read_scores(self, manifest: Manifest, student: str) -> tuple[dict[str, float], float, float]:
        """Return ``({question id: score}, seconds late, late penalty)`` for a graded submission."""
        with self.gradebook() as gb:
            sub = gb.find_submission(manifest.id, student)
            by_cell = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    by_cell[(nb.name, g.name)] = g.score
            scores = {
                q.id: float(by_cell.get((Path(q.notebook).stem, q.graded_cell), 0.0) or 0.0) for q in manifest.questions
            }
            return scores, float(sub.total_seconds_late or 0.0), float(sub.late_submission_penalty or 0.0)

    def manual_count(self, aid: str, student: str) -> int:
        """How many manual grades or comments the instructor has already given this submission."""
        from nbgrader.api import MissingEntry

        with self.gradebook() as gb:
            try:
                sub = gb.find_submission(aid, student)
            except MissingEntry:
                return 0
            count = 0
            for nb in sub.notebooks:
                count += sum(1 for g in nb.grades if g.manual_score is not None or g.extra_credit)
                count += sum(1 for c in nb.comments if c.manual_comment)
            return count

    def gradebook_state(self, aid: str, student: str) -> str:
        """A digest of everything a student's feedback shows from the gradebook: every score, comment and penalty.

        It changes when the formgrader gives a manual grade, extra credit or a comment, so a
        feedback file written at another state is stale. "" when the submission is not in the gradebook.
        """
        from nbgrader.api import MissingEntry

        with self.gradebook() as gb:
            try:
                sub = gb.find_submission(aid, student)
            except MissingEntry:
                return ""
            return writer.state_of(sub)  # the batch writer computes the same digest as it writes

    def backup_gradebook(self, aid: str, keep: int = 20) -> Path | None:
        """Copy a sqlite gradebook to ``<course>/backups/`` before a batch; keep the newest ``keep`` copies."""
        db = sqlite_file(self.db_url)
        if db is None or not db.is_file():
            return None
        folder = self.root / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        dest = folder / f"gradebook-{aid}-{stamp}.db"
        with sqlite3.connect(db) as source, sqlite3.connect(dest) as copy:
            source.backup(copy)  # consistent even if another process is writing
        for old in sorted(folder.glob("gradebook-*.db"))[:-keep]:
            old.unlink()
        return dest

    def grading_notes(self, aid: str, student: str, notebook: str) -> list[str]:
        """What the sandboxed runs of one graded notebook noted (a time limit, a crash), from its metadata."""
        return steps.notes_of(self.autograded_dir(aid, student) / f"{notebook}.ipynb")


class _CachedSchemaValidation:
    """``jsonschema`` as nbgrader's cell-metadata check uses it, with each schema checked once, not once per cell.

    nbgrader calls ``jsonschema.validate(metadata, schema)`` for every cell of every notebook,
    and that re-validates nbgrader's own (constant) schema each time: a quarter of a
    submission's grading time outside the notebook run. Same checks, same errors.
    """

    def __init__(self, module):
        self._module, self._validators = module, {}

    def __getattr__(self, name):
        return getattr(self._module, name)

    def validate(self, instance, schema, *args, **kwargs):
        if args or kwargs:
            return self._module.validate(instance, schema, *args, **kwargs)
        key = id(schema)
        if key not in self._validators:
            cls = self._module.validators.validator_for(schema)
            cls.check_schema(schema)
            self._validators[key] = (schema, cls(schema))  # keep the schema alive: its id stays unique
        self._validators[key][1].validate(instance)


def _owners_allowed(student: str) -> set[str]:
    """The system users who may put ``student``'s submission in the exchange."""
    import pwd  # POSIX only, as the exchange is

    allowed = {student, "root"}
    try:
        allowed.add(pwd.getpwuid(os.geteuid()).pw_name)  # the instructor collecting (course demo, course submit)
    except KeyError:
        pass
    if Path("/opt/tljh/hub").is_dir():  # The Littlest JupyterHub runs hub user ana as system user jupyter-ana
        allowed.add(f"jupyter-{student}")
    return allowed


def set_aside_foreign(inbound: Path, aid: str) -> list[str]:
    """Rename the submissions of ``aid`` in ``inbound`` that another user put there in a student's name.

    The exchange's inbound folder is writable by every student, and nbgrader takes the student id
    from the folder's name (on Kubernetes, from ``JUPYTERHUB_USER``, which a student can set): one
    student could replace another's submission with a blank one. The owner of the folder is the
    user who really submitted it. A renamed folder stays in the exchange, for the instructor to look at.
    """
    import pwd  # POSIX only, as the exchange is

    notices = []
    for entry in sorted(inbound.glob(f"*+{aid}+*")) if inbound.is_dir() else []:
        student = entry.name.partition(f"+{aid}+")[0]
        uid = entry.lstat().st_uid
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            notices.append(f"{student}: the submission {entry.name} belongs to uid {uid}, which has no user name here, "
                           "so who submitted it could not be checked (on Kubernetes: compare with the student's pod uid).")
            continue
        if owner in _owners_allowed(student):
            continue
        aside = entry.with_name(f"set-aside--{entry.name.replace('+', '--')}--put-there-by--{owner}")
        try:
            entry.rename(aside)
        except OSError as exc:
            raise GradingError(f"{entry} names {student} but was put there by {owner}, and could not be set aside "
                               f"({exc.strerror}): move it out of the exchange, then collect again.") from None
        notices.append(f"{student}: a submission in their name was put in the exchange by {owner}; it was not "
                       f"collected (kept as {aside.name}). Their own latest submission, if any, is graded.")
    return notices


@contextlib.contextmanager
def shared_gradebook_engines(kept: dict | None = None, scratch: bool = False):
    """Within the block, nbgrader's Gradebooks share one SQLAlchemy engine per database URL.

    nbgrader opens a new engine for every Gradebook, and its preprocessors open several per
    notebook, so every query was compiled again for every submission (SQLAlchemy caches compiled
    queries per engine): about a quarter of the grader's own time per submission. One engine per
    URL is how SQLAlchemy is meant to be used; nbgrader still closes its sessions and disposes of the
    engine's connections after each use, so no connection outlives a Gradebook.

    ``kept``: a dict the caller keeps the engines in from one block to the next (a grading worker,
    one block per submission): at the end of the block their connections are closed, and the
    engines, with their compiled queries, are kept for the next block.

    ``scratch``: the gradebooks opened are a worker's private sqlite copies, thrown away if the
    worker dies (its submission is graded again from the snapshot): nbgrader commits some fifty
    times per submission, and each commit of a sqlite file writes and syncs a journal; here the
    journal is kept in memory and nothing is synced (``PRAGMA journal_mode=MEMORY``, ``synchronous=OFF``).
    """
    import nbgrader.api as nbapi

    original = nbapi.create_engine
    if getattr(original, "shared_engines", False):  # already inside such a block
        yield
        return
    engines: dict = {} if kept is None else kept

    def create_engine(url, *args, **kwargs):
        key = (str(url), args, tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = original(url, *args, **kwargs)
            if scratch and str(url).startswith("sqlite:"):
                from sqlalchemy import event

                event.listen(engines[key], "connect", _unsynced)
        return engines[key]

    create_engine.shared_engines = True
    nbapi.create_engine = create_engine
    try:
        yield
    finally:
        nbapi.create_engine = original
        for engine in engines.values():
            engine.dispose()  # its connections; its compiled queries stay with it


def _unsynced(connection, record) -> None:
    """A new connection to a scratch sqlite gradebook: its journal in memory, nothing synced to disk."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _check_metadata_with_cached_schema() -> None:
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _CachedSchemaValidation):
        common.jsonschema = _CachedSchemaValidation(common.jsonschema)


def last_line(result: dict) -> str:
    """The most telling line of a failed nbgrader result: the real cause, never "see the above traceback".

    nbgrader's log often ends with "Please see the above traceback" while the traceback
    itself is in the result's ``error``: its exception line is the cause.
    """
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line.split("]", 1)[1].strip() for line in lines if line.startswith(("[ERROR]", "[CRITICAL]"))]
    errors = [e for e in errors if "above traceback" not in e.lower()]
    exception = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b:?")
    causes = [line for line in lines if exception.match(line)]
    if causes:
        return causes[-1] if not errors else f"{errors[-1]} ({causes[-1]})"
    if errors:
        return errors[-1]
    meaningful = [line for line in lines if "above traceback" not in line.lower()]
    return meaningful[-1] if meaningful else "nbgrader failed without saying why: run nbgrader with --debug to see it"
