"""Read and validate the course plan: one manifest per assignment in ``assignments/``."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from course import i18n
from course import notebooks as nbs
from course.limits import Limits
from course.errors import AssignmentNotFound, CourseError, ManifestError
from course.paths import find_root

ID_PATTERN = re.compile(r"^\d{2}-[a-z0-9]+(-[a-z0-9]+)*$")
QUESTION_PATTERN = re.compile(r"^q\d+[a-z]?$")
REQUIRED = ("id", "title", "module", "due", "minutes", "learning_objectives", "notebooks", "timeout", "parameters", "questions")
KINDS = ("auto", "manual", "task")
#: Question fields that hold answers (an alternative answer is a solution): they live in the
#: instructor-only ``source/<id>.yml``, never in the public ``assignments/<id>.yml`` that students get.
ANSWER_KEYS = ("wrong", "alternative")


#: Plausible mistakes each autograded question should list, each failing a visible test (``course validate --mistakes``).
MIN_MISTAKES = 3


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer: code that replaces the solution, and must lose the question's points."""

    answer: str
    name: str = ""  # what the student got wrong, in a few words ("mean instead of median")
    hidden_only: str = ""  # why no visible test may catch it (its detection needs a secret value); "" if one must


@dataclass(frozen=True)
class Question:
    """One graded question: an autograded answer with its tests, a written answer, or an nbgrader task (graded by hand)."""

    id: str
    notebook: str
    kind: str
    points: float
    mistakes: tuple[Mistake, ...] = ()
    alternative: str | None = None
    hints: tuple[str, ...] = ()  # for self-learners, from a gentle nudge to nearly the answer

    @property
    def wrong(self) -> str | None:
        """The first plausible mistake's code (the one the sample class and the round trip use)."""
        return self.mistakes[0].answer if self.mistakes else None

    @property
    def answer_cell(self) -> str:
        return f"{self.id}-answer"

    @property
    def graded_cell(self) -> str:
        """The grade_id of the cell that carries the points."""
        return {"auto": f"{self.id}-tests", "task": f"{self.id}-task"}.get(self.kind, f"{self.id}-answer")

    @property
    def by_hand(self) -> bool:
        """Graded in the formgrader (a written answer or a task), not by the tests."""
        return self.kind != "auto"


@dataclass(frozen=True)
class ParameterSet:
    """A named set of papermill parameters that the solution must pass under."""

    name: str
    values: dict[str, Any]


@dataclass(frozen=True)
class NotebookEntry:
    file: str
    graded: bool

    @property
    def stem(self) -> str:
        return Path(self.file).stem


@dataclass(frozen=True)
class Milestone:
    """A dated step of a long assignment (the capstone): what is handed in, and which questions grade it."""

    id: str
    title: str
    due: dt.datetime
    questions: tuple[str, ...]
    deliverable: str
    review: str


@dataclass(frozen=True)
class Manifest:
    """An assignment as the course plan declares it (``assignments/<id>.yml``)."""

    id: str
    title: str
    module: int
    due: dt.datetime
    minutes: int
    learning_objectives: tuple[str, ...]
    notebooks: tuple[NotebookEntry, ...]
    timeout: int  # seconds for any one cell when the notebook runs (course.limits)
    parameters: tuple[ParameterSet, ...]
    questions: tuple[Question, ...]
    datasets: tuple[str, ...] = ()
    limits: dict[str, int] = field(default_factory=dict)
    late_policy: dict[str, float] = field(default_factory=dict)
    per_student_seed: bool = False
    #: What a student should know first: earlier assignments' ids, or sentences naming a skill.
    prerequisites: tuple[str, ...] = ()
    #: Minutes of the learner's own project work that the notebooks' text does not show (the capstone).
    project_minutes: int = 0
    #: Dated steps, in order, each graded by some of the questions (every question by exactly one).
    milestones: tuple[Milestone, ...] = ()
    path: Path = field(default=Path("."), compare=False)
    #: The language of the student-facing strings (title, objectives, prerequisites, hints): "en", or a translation's.
    lang: str = "en"

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def auto_points(self) -> float:
        return sum(q.points for q in self.questions if q.kind == "auto")

    @property
    def graded_notebooks(self) -> tuple[NotebookEntry, ...]:
        return tuple(n for n in self.notebooks if n.graded)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise ManifestError(f"{self.path}: no question {qid!r}. Questions are: {', '.join(q.id for q in self.questions)}.")

    def source_dir(self, root: Path) -> Path:
        return Path(root) / "source" / self.id

    def release_dir(self, root: Path, lang: str = i18n.ENGLISH) -> Path:
        """release/<id>/, or release/<lang>/<id>/ for another language's release."""
        return release_path(self.id, lang, root)


def release_path(assignment_id: str, lang: str, root: Path) -> Path:
    """Where the student version of ``assignment_id`` in ``lang`` is committed: release/<id>/ or release/<lang>/<id>/."""
    return Path(root) / "release" / assignment_id if lang == i18n.ENGLISH else Path(root) / "release" / lang / assignment_id


def manifest_path(assignment_id: str, root: Path) -> Path:
    return Path(root) / "assignments" / f"{assignment_id}.yml"


def translation_path(assignment_id: str, lang: str, root: Path) -> Path:
    """The translation of a manifest's student-facing strings: ``assignments/<id>.<lang>.yml``."""
    return Path(root) / "assignments" / f"{assignment_id}.{lang}.yml"


def answers_path(assignment_id: str, root: Path) -> Path:
    """The instructor-only half of a manifest: each question's wrong and alternative answers."""
    return Path(root) / "source" / f"{assignment_id}.yml"


def available(root: Path | None = None) -> list[str]:
    """Return the ids of every assignment declared in ``assignments/``, in course order."""
    root = find_root(root)
    return sorted(p.stem for p in (root / "assignments").glob("*.yml") if ID_PATTERN.match(p.stem))


def unread_files(root: Path | None = None) -> list[str]:
    """Files in ``assignments/`` that are not read as manifests, each with why and what to do (never skipped silently)."""
    root = find_root(root)
    out = []
    for p in sorted((root / "assignments").iterdir()) if (root / "assignments").is_dir() else []:
        if _is_translation(p):
            continue  # assignments/<id>.<lang>.yml: a manifest's translation, read with it (load(..., lang=))
        if p.suffix in (".yml", ".yaml") and not (p.suffix == ".yml" and ID_PATTERN.match(p.stem)):
            why = ("its name is not an assignment id like 01-problem-framing" if p.suffix == ".yml"
                   else "manifests end in .yml")
            out.append(f"assignments/{p.name}: not read as a manifest: {why}. Rename it (and its id) to be listed.")
    return out


def _is_translation(p: Path) -> bool:
    stem, _, lang = p.stem.rpartition(".")
    return p.suffix == ".yml" and lang in i18n.LANGUAGES and bool(ID_PATTERN.match(stem))


def load(assignment_id: str, root: Path | None = None, lang: str | None = None) -> Manifest:
    """Read and validate ``assignments/<assignment_id>.yml``.

    Args:
        assignment_id: for example ``01-problem-framing``.
        root: the course repository; found from the current folder by default.
        lang: a language of ``course.authoring.translate.LANGUAGES``: its ``assignments/<id>.<lang>.yml``
            replaces the title, objectives, prerequisites and hints. With no such file (a module not
            yet translated) the manifest stays in English, and its ``lang`` says so.

    Returns:
        The validated manifest.

    Raises:
        AssignmentNotFound: there is no such manifest (the message suggests close ids).
        ManifestError: the manifest is not valid YAML or a field is missing or wrong, or its
            translation does not mirror it.
    """
    root = find_root(root)
    english = _load_english(assignment_id, root)
    if lang in (None, "en"):
        return english
    return translated(english, lang, root)


def _load_english(assignment_id: str, root: Path) -> Manifest:
    path = manifest_path(assignment_id, root)
    if not path.is_file():
        known = available(root)
        close = difflib.get_close_matches(assignment_id, known, n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise AssignmentNotFound(
            f'no assignment "{assignment_id}" (no file {path.relative_to(root)}).{hint} '
            f"Known assignments: {', '.join(known) or 'none'}."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ManifestError(f"{path.relative_to(root)}{where}: not valid YAML. Fix the syntax and run again.") from None
    answers = answers_path(assignment_id, root)
    if answers.is_file() and isinstance(data, dict):
        data = _with_answers(data, answers.relative_to(root), _read_yaml(answers, root))
    return parse(data, path=path.relative_to(root), expected_id=assignment_id)


#: What a manifest's translation may hold: the student-facing strings, nothing that grades.
TRANSLATED_KEYS = ("title", "learning_objectives", "prerequisites", "questions", "milestones")
#: What a translated milestone may hold: its student-facing sentences (its id, date and questions stay in English).
MILESTONE_TEXTS = ("title", "deliverable", "review")


def translation_problems(manifest: Manifest, lang: str, root: Path | None = None) -> list[str]:
    """Why ``assignments/<id>.<lang>.yml`` does not mirror the English manifest, one line each (empty: it does).

    It mirrors it when it holds only ``title``, ``learning_objectives`` (as many, in the same
    order), ``prerequisites`` (as many; an assignment id kept as it is), ``questions.<qid>.hints``
    (as many as the English hints of that question) and ``milestones.<id>`` (a milestone's
    ``title``, ``deliverable`` and ``review``, each one line of text).
    """
    root = find_root(root)
    path = translation_path(manifest.id, lang, root)
    name = f"assignments/{path.name}"
    if not path.is_file():
        return [f"{name}: no such file. Copy assignments/{manifest.id}.yml's title, learning_objectives, "
                "prerequisites, questions' hints and milestones' texts into it, and translate them."]
    data = _read_yaml(path, root)
    if not isinstance(data, dict):
        return [f"{name}: must be a mapping (title: ..., learning_objectives: [...])."]
    out = [f"{name}: {key} cannot be translated here (only {', '.join(TRANSLATED_KEYS)}): remove it."
           for key in data if key not in TRANSLATED_KEYS]

    def texts(value, what: str, count: int) -> None:
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            out.append(f"{name}: {what} must be a list of sentences.")
        elif len(value) != count:
            out.append(f"{name}: {what} has {len(value)} entries, the English has {count}: translate each one, in order.")

    if "title" in data and not (isinstance(data["title"], str) and data["title"].strip()):
        out.append(f"{name}: title must be one line of text.")
    if "learning_objectives" in data:
        texts(data["learning_objectives"], "learning_objectives", len(manifest.learning_objectives))
    if "prerequisites" in data:
        texts(data["prerequisites"], "prerequisites", len(manifest.prerequisites))
        if isinstance(data["prerequisites"], list) and len(data["prerequisites"]) == len(manifest.prerequisites):
            for en, tr in zip(manifest.prerequisites, data["prerequisites"]):
                if ID_PATTERN.match(en) and str(tr).strip() != en:
                    out.append(f"{name}: prerequisite {en} is an assignment id: keep it as it is (not {tr!r}).")
    questions = data.get("questions") or {}
    if not isinstance(questions, dict):
        out.append(f"{name}: questions must map question ids to {{hints: [...]}}.")
        questions = {}
    known = {q.id: q for q in manifest.questions}
    for qid, fields in questions.items():
        q = known.get(str(qid))
        if q is None:
            out.append(f"{name}: question {qid} is not in assignments/{manifest.id}.yml: remove it.")
        elif not isinstance(fields, dict) or set(fields) - {"hints"}:
            out.append(f"{name}: {qid} may only hold hints (a list of sentences).")
        else:
            texts(fields.get("hints"), f"{qid} hints", len(q.hints))
    steps = data.get("milestones") or {}
    if not isinstance(steps, dict):
        out.append(f"{name}: milestones must map milestone ids to {{title: ..., deliverable: ..., review: ...}}.")
        steps = {}
    known_steps = {s.id for s in manifest.milestones}
    for sid, fields in steps.items():
        if str(sid) not in known_steps:
            out.append(f"{name}: milestone {sid} is not in assignments/{manifest.id}.yml: remove it.")
        elif not isinstance(fields, dict) or set(fields) - set(MILESTONE_TEXTS):
            out.append(f"{name}: milestone {sid} may only hold {', '.join(MILESTONE_TEXTS)} (one line of text each).")
        else:
            for key, text in fields.items():
                if not (isinstance(text, str) and text.strip()):
                    out.append(f"{name}: milestone {sid} {key} must be one line of text.")
    return out


def translated(manifest: Manifest, lang: str, root: Path | None = None) -> Manifest:
    """``manifest`` with its student-facing strings from ``assignments/<id>.<lang>.yml`` (as it is if there is none).

    Raises:
        ManifestError: the language is unknown, or the translation does not mirror the manifest.
    """
    import dataclasses

    if lang not in i18n.LANGUAGES:
        raise ManifestError(f"no language {lang!r}: use en or one of {', '.join(i18n.LANGUAGES)}.")
    root = find_root(root)
    path = translation_path(manifest.id, lang, root)
    if not path.is_file():
        return manifest
    problems = translation_problems(manifest, lang, root)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ManifestError(problems[0] + more)
    data = _read_yaml(path, root)
    hints = {str(qid): tuple(h.strip() for h in (f.get("hints") or [])) for qid, f in (data.get("questions") or {}).items()}
    steps = {str(sid): {k: str(v).strip() for k, v in f.items()} for sid, f in (data.get("milestones") or {}).items()}
    return dataclasses.replace(
        manifest,
        title=str(data.get("title", manifest.title)).strip(),
        learning_objectives=tuple(data.get("learning_objectives", manifest.learning_objectives)),
        prerequisites=tuple(x.strip() for x in data.get("prerequisites", manifest.prerequisites)),
        questions=tuple(dataclasses.replace(q, hints=hints[q.id]) if hints.get(q.id) else q for q in manifest.questions),
        milestones=tuple(dataclasses.replace(s, **steps.get(s.id, {})) for s in manifest.milestones),
        lang=lang,
    )


def _read_yaml(path: Path, root: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ManifestError(f"{path.relative_to(root)}{where}: not valid YAML. Fix the syntax and run again.") from None
    except OSError as exc:
        raise ManifestError(f"{path.relative_to(root)}: cannot be read ({exc.strerror}). Check its permissions.") from None


def _with_answers(data: dict, path: Path, answers: Any) -> dict:
    """The manifest's fields with each question's answers from ``source/<id>.yml`` added."""
    by_question = answers.get("questions") if isinstance(answers, dict) else None
    if not isinstance(by_question, dict):
        raise ManifestError(f"{path}: should hold \"questions:\" mapping question ids to their wrong and alternative answers.")
    questions = data.get("questions") if isinstance(data.get("questions"), list) else []
    known = {str(q.get("id")): i for i, q in enumerate(questions) if isinstance(q, dict)}
    merged = [dict(q) if isinstance(q, dict) else q for q in questions]
    for qid, fields in by_question.items():
        if str(qid) not in known:
            raise ManifestError(f"{path}: question {qid} is not in the manifest. Remove it, or add it to assignments/.")
        if not isinstance(fields, dict) or set(fields) - set(ANSWER_KEYS):
            raise ManifestError(f"{path}: {qid} may only hold {' and '.join(ANSWER_KEYS)} answers, each a block (use |).")
        entry = merged[known[str(qid)]]
        twice = sorted(set(fields) & set(entry))
        if twice:
            raise ManifestError(f"{path}: {qid} {twice[0]} is also in assignments/: keep it here only (assignments/ is public).")
        entry.update(fields)
    return {**data, "questions": merged}


def load_all(root: Path | None = None) -> list[Manifest]:
    """Every manifest in course order; a prerequisite naming an assignment must name an earlier one.

    Raises:
        ManifestError: a manifest is invalid, or a prerequisite names an assignment that is not before it.
    """
    root = find_root(root)
    ms = [load(a, root) for a in available(root)]
    before: set[str] = set()
    for m in ms:
        for need in m.prerequisites:
            if ID_PATTERN.match(need) and need not in before:
                where = "comes after it" if need in {x.id for x in ms} else "is not an assignment here"
                raise ManifestError(f"{m.path}: prerequisite {need} {where}: list only earlier assignments "
                                    f"({', '.join(sorted(before)) or 'none'}), or a sentence naming a skill.")
        before.add(m.id)
    return ms


def parse(data: Any, path: Path = Path("<manifest>"), expected_id: str | None = None) -> Manifest:
    """Validate the parsed YAML of a manifest and build a :class:`Manifest`.

    Raises:
        ManifestError: naming the file, the field, and what to write instead.
    """

    def fail(msg: str) -> ManifestError:
        return ManifestError(f"{path}: {msg}")

    if not isinstance(data, dict):
        raise fail("the file must be a mapping of fields (id: ..., title: ...).")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise fail(f'missing field{"s" if len(missing) > 1 else ""} {", ".join(missing)}. See docs/AUTHORING.md for the format.')

    aid = str(data["id"])
    if expected_id is not None and aid != expected_id:
        raise fail(f'id is "{aid}" but the file is named {expected_id}.yml. Make them the same.')
    if not ID_PATTERN.match(aid):
        raise fail(f'id "{aid}" should look like 01-problem-framing (two digits, a dash, lower-case words).')

    module = _int(data["module"], "module", fail, smallest=0)  # module 0: the on-ramp
    minutes = _int(data["minutes"], "minutes", fail)
    timeout = _int(data["timeout"], "timeout", fail)
    due = _due(data["due"], fail)

    objectives = data["learning_objectives"]
    if not isinstance(objectives, list) or not objectives or not all(isinstance(o, str) and o.strip() for o in objectives):
        raise fail("learning_objectives must be a non-empty list of sentences.")

    notebooks = []
    for i, entry in enumerate(_list(data["notebooks"], "notebooks", fail)):
        if not isinstance(entry, dict) or "file" not in entry:
            raise fail(f'notebooks[{i}] needs a "file: <name>.ipynb" field.')
        name = str(entry["file"])
        if not name.endswith(".ipynb") or "/" in name:
            raise fail(f'notebooks[{i}] file "{name}" must be a notebook file name (ending in .ipynb) in source/{aid}/.')
        notebooks.append(NotebookEntry(file=name, graded=bool(entry.get("graded", True))))
    names = [n.file for n in notebooks]
    if len(set(names)) != len(names):
        raise fail("a notebook is listed twice under notebooks.")

    params = []
    for i, entry in enumerate(_list(data["parameters"], "parameters", fail)):
        if not isinstance(entry, dict) or "name" not in entry:
            raise fail(f'parameters[{i}] needs a "name" and the parameter values, e.g. {{name: default, SEED: 1}}.')
        values = {k: v for k, v in entry.items() if k != "name"}
        params.append(ParameterSet(name=str(entry["name"]), values=values))
    if len({p.name for p in params}) != len(params):
        raise fail("two parameter sets have the same name.")

    questions = []
    for i, entry in enumerate(_list(data["questions"], "questions", fail)):
        if not isinstance(entry, dict) or "id" not in entry:
            raise fail(f'questions[{i}] needs an "id" such as q1.')
        qid = str(entry["id"])
        if not QUESTION_PATTERN.match(qid):
            raise fail(f'question id "{qid}" should look like q1 or q2a.')
        if "points" not in entry:
            raise fail(f'{qid} has no points. Add "points: <n>".')
        points = entry["points"]
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise fail(f"{qid} points must be a positive number, not {points!r}.")
        kind = entry.get("kind", "auto")
        if kind not in KINDS:
            raise fail(f'{qid} kind must be "auto", "manual" or "task", not {kind!r}.')
        notebook = entry.get("notebook")
        graded_names = [n.file for n in notebooks if n.graded]
        if notebook is None and len(graded_names) == 1:
            notebook = graded_names[0]
        if notebook not in graded_names:
            raise fail(f"{qid} notebook {notebook!r} is not one of the graded notebooks ({', '.join(graded_names) or 'none'}).")
        if "alternative" in entry and not isinstance(entry["alternative"], str):
            raise fail(f"{qid} alternative must be code written as a block (use |).")
        mistakes = _mistakes(entry.get("wrong"), qid, fail)
        hints = entry.get("hints") or []
        if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
            raise fail(f"{qid} hints must be a list of sentences, from a gentle nudge to nearly the answer.")
        questions.append(
            Question(id=qid, notebook=notebook, kind=kind, points=points, mistakes=mistakes,
                     alternative=entry.get("alternative"), hints=tuple(h.strip() for h in hints))
        )
    ids = [q.id for q in questions]
    dupes = sorted({q for q in ids if ids.count(q) > 1})
    if dupes:
        raise fail(f"question id {dupes[0]} is used twice. Give each question its own id.")

    datasets = data.get("datasets") or []
    if not isinstance(datasets, list):
        raise fail("datasets must be a list of data set names.")

    limits = data.get("limits") or {}
    if not isinstance(limits, dict):
        raise fail("limits must be a mapping such as {memory_mb: 2048, wall_seconds: 300}.")
    if "cell_seconds" in limits:
        raise fail("limits sets cell_seconds: the time per cell is the manifest's timeout. Move the value to timeout.")
    try:
        Limits().merged(limits)
    except CourseError as exc:
        raise fail(str(exc)) from None

    prerequisites = data.get("prerequisites") or []
    if not isinstance(prerequisites, list) or not all(isinstance(x, str) and x.strip() for x in prerequisites):
        raise fail("prerequisites must be a list: earlier assignments' ids (00-python-pandas) or sentences naming a skill.")
    if aid in prerequisites:
        raise fail(f"prerequisites lists {aid} itself: list only earlier assignments.")
    project_minutes = data.get("project_minutes", 0)
    if isinstance(project_minutes, bool) or not isinstance(project_minutes, int) or project_minutes < 0:
        raise fail(f"project_minutes must be a whole number of minutes (0 or more), not {project_minutes!r}.")

    milestones = _milestones(data.get("milestones") or [], due, [q.id for q in questions], fail)

    late = data.get("late_policy") or {}
    if not isinstance(late, dict) or set(late) - {"per_day", "max_days"}:
        raise fail("late_policy must look like {per_day: 10, max_days: 5} (percent off per started day; zero after max_days).")
    for key, value in late.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (key == "per_day" and value > 100):
            raise fail(f"late_policy {key} must be a number from 0{' to 100' if key == 'per_day' else ''}, not {value!r}.")

    return Manifest(
        id=aid,
        title=str(data["title"]),
        module=module,
        due=due,
        minutes=minutes,
        learning_objectives=tuple(objectives),
        notebooks=tuple(notebooks),
        timeout=timeout,
        parameters=tuple(params),
        questions=tuple(questions),
        datasets=tuple(str(d) for d in datasets),
        limits=dict(limits),
        late_policy=dict(late),
        per_student_seed=bool(data.get("per_student_seed", False)),
        prerequisites=tuple(x.strip() for x in prerequisites),
        project_minutes=project_minutes,
        milestones=milestones,
        path=path,
    )


def assignment_of_notebook(path: Path, root: Path) -> tuple[Manifest, str]:
    """The assignment and notebook entry a learner's notebook belongs to: by its folder first, then by its file name.

    ``my-work/ps2/problem1.ipynb`` belongs to ``ps2`` even when ``ps1`` also has a
    ``problem1.ipynb``. Outside an assignment's folder, a file name that one assignment alone
    lists decides; a name several assignments list is an error that names them.

    Raises:
        AssignmentNotFound: no assignment lists such a notebook, or several do and the folder does not say which.
    """
    path = Path(path)
    manifests_ = load_all(root)
    folder = path.parent.name
    for m in manifests_:
        if m.id == folder:
            if any(entry.file == path.name for entry in m.notebooks):
                return m, path.name
            if len(m.graded_notebooks) == 1:
                return m, m.graded_notebooks[0].file
    owners = [m for m in manifests_ if any(entry.file == path.name for entry in m.notebooks)]
    if len(owners) == 1:
        return owners[0], path.name
    if owners:
        ids = ", ".join(m.id for m in owners)
        raise AssignmentNotFound(f"{path.name} belongs to several assignments ({ids}): keep it in a folder named after "
                                 f"its assignment, e.g. my-work/{owners[0].id}/{path.name}.")
    names = ", ".join(e.file for m in manifests_ for e in m.graded_notebooks)
    raise AssignmentNotFound(
        f"{path.name} is not a notebook of any assignment: keep the name it was released with ({names})."
    )


def check_notebooks(manifest: Manifest, root: Path | None = None) -> None:
    """Check that the source notebooks hold exactly the graded cells the manifest declares.

    Raises:
        ManifestError: a notebook is missing, or a question's cells or points disagree.
        NotebookError: a source notebook cannot be read.
    """
    root = find_root(root)
    src = manifest.source_dir(root)
    on_disk = sorted(p.name for p in src.glob("*.ipynb")) if src.is_dir() else []
    declared = sorted(n.file for n in manifest.notebooks)
    if on_disk != declared:
        raise ManifestError(
            f"{manifest.path}: notebooks lists {', '.join(declared)} but source/{manifest.id}/ holds "
            f"{', '.join(on_disk) or 'no notebook'}. Make them the same."
        )
    for entry in manifest.notebooks:
        nb = nbs.read(src / entry.file)
        graded = nbs.graded_cells(nb)
        expected = {q.graded_cell: q for q in manifest.questions if q.notebook == entry.file}
        if not entry.graded and graded:
            raise ManifestError(f"{manifest.path}: {entry.file} is not graded but has graded cells {', '.join(graded)}. Mark it graded: true.")
        for grade_id, q in expected.items():
            if grade_id not in graded:
                raise ManifestError(f'{manifest.path}: {q.id} needs a cell with grade_id "{grade_id}" in {entry.file}; none found.')
            if abs(graded[grade_id] - q.points) > 1e-9:
                raise ManifestError(
                    f"{manifest.path}: {q.id} is worth {q.points} points here but {graded[grade_id]} in the "
                    f"metadata of cell {grade_id} of {entry.file}. Make them the same."
                )
            if q.kind == "auto" and q.answer_cell not in nbs.solution_cells(nb):
                raise ManifestError(f'{manifest.path}: {q.id} needs an answer cell with grade_id "{q.answer_cell}" in {entry.file}.')
        extra = sorted(set(graded) - set(expected))
        if extra:
            raise ManifestError(f"{manifest.path}: {entry.file} has graded cells {', '.join(extra)} that no question declares. Add them under questions.")


def _int(value: Any, name: str, fail, smallest: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
        what = "a positive whole number" if smallest == 1 else f"a whole number from {smallest}"
        raise fail(f"{name} must be {what}, not {value!r}.")
    return value


def _list(value: Any, name: str, fail) -> list:
    if not isinstance(value, list) or not value:
        raise fail(f"{name} must be a non-empty list.")
    return value


def _milestones(entries: Any, due: dt.datetime, question_ids: list[str], fail) -> tuple[Milestone, ...]:
    """Check milestones: dated in order, none after the assignment's due date, every question in exactly one."""
    if not entries:
        return ()
    out: list[Milestone] = []
    for i, entry in enumerate(_list(entries, "milestones", fail)):
        need = ("id", "title", "due", "questions", "deliverable", "review")
        if not isinstance(entry, dict) or set(need) - set(entry):
            raise fail(f"milestones[{i}] needs {', '.join(need)}.")
        if set(entry) - set(need):
            raise fail(f"milestones[{i}] has unknown fields {sorted(set(entry) - set(need))}: use only {', '.join(need)}.")
        when = _due(entry["due"], fail)
        if out and when <= out[-1].due:
            raise fail(f"milestone {entry['id']} is due {when:%Y-%m-%d}, not after {out[-1].id} ({out[-1].due:%Y-%m-%d}): list milestones in date order.")
        if when > due:
            raise fail(f"milestone {entry['id']} is due after the assignment ({due:%Y-%m-%d}): move it earlier or the assignment's due date later.")
        qs = entry["questions"]
        if not isinstance(qs, list) or not qs:
            raise fail(f"milestone {entry['id']}: questions must list the question ids that grade it, e.g. [q1, q4].")
        for qid in qs:
            if qid not in question_ids:
                raise fail(f"milestone {entry['id']}: no question {qid!r}. Questions are: {', '.join(question_ids)}.")
        out.append(Milestone(str(entry["id"]), str(entry["title"]), when, tuple(str(q) for q in qs),
                             str(entry["deliverable"]).strip(), str(entry["review"]).strip()))
    listed = [q for m in out for q in m.questions]
    twice = sorted({q for q in listed if listed.count(q) > 1})
    if twice:
        raise fail(f"questions {', '.join(twice)} are in more than one milestone: each question grades one milestone.")
    missing = [q for q in question_ids if q not in listed]
    if missing:
        raise fail(f"questions {', '.join(missing)} are in no milestone: add each to the milestone it grades.")
    return tuple(out)


def _due(value: Any, fail) -> dt.datetime:
    if isinstance(value, dt.datetime):
        due = value
    else:
        try:
            due = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise fail(f'due "{value}" is not a date and time. Write it like "2027-04-24T23:59:00+09:00".') from None
    if due.tzinfo is None:
        raise fail(f'due "{value}" has no time zone. Add the UTC offset, e.g. "+09:00".')
    return due


def _mistakes(wrong: Any, qid: str, fail: Callable[[str], Exception]) -> tuple[Mistake, ...]:
    """A question's ``wrong:``: one block of code, or a list of them, each a block or
    ``{answer: |, name: "...", hidden_only: "why no visible test may catch it"}``."""
    if wrong is None:
        return ()
    items = wrong if isinstance(wrong, list) else [wrong]
    found = []
    for item in items:
        if isinstance(item, str) and item.strip():
            found.append(Mistake(item))
            continue
        if isinstance(item, dict) and isinstance(item.get("answer"), str) and item["answer"].strip() \
                and not set(item) - {"answer", "name", "hidden_only"} \
                and all(isinstance(item.get(k, ""), str) for k in ("name", "hidden_only")):
            found.append(Mistake(item["answer"], item.get("name", "").strip(), item.get("hidden_only", "").strip()))
            continue
        raise fail(f"{qid} wrong must be code written as a block (use |), or a list of them, each a block or "
                   "{answer: |, name: ..., hidden_only: why no visible test may catch it}.")
    return tuple(found)
