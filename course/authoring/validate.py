"""Prove an assignment's tests are real: the solution earns every point, the blank notebook none."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from course import manifest as manifests
from course import notebooks as nbs
from course.authoring import release, sample, translate
from course.authoring.execute import Run, run_notebook
from course.errors import CourseError, NotebookError, ValidationError
from course.grading.workspace import Student, Workspace, configured_limits, last_line, load_config
from course.limits import Limits
from course.paths import find_root


@dataclass
class Validation:
    """What ``course validate`` measured for one assignment."""

    assignment: str
    runs: list[Run] = field(default_factory=list)
    # (submission kind, parameter set) -> {question id: score}
    scores: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.assignment}: papermill runs"]
        for r in self.runs:
            lines.append(f"  {r.notebook:<45} {r.parameters:<14} {r.seconds:6.1f} s  {'ok' if r.ok else 'FAILED: ' + r.error}")
        lines.append(f"{self.assignment}: nbgrader round trip (autograded points per submission)")
        for (kind, pset), scores in self.scores.items():
            lines.append(f"  {kind:<12} {pset:<14} " + " ".join(f"{q}={s:g}" for q, s in scores.items()))
        if self.problems:
            lines.append("PROBLEMS:")
        elif self.scores:
            lines.append("OK: every autograded test fails blank and passes the solution.")
        else:
            lines.append("OK: every notebook ran under every parameter set (grading round trip skipped).")
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _say(progress, msg):
    if progress is not None:
        progress(msg)


def validate(
    assignment_id: str,
    *,
    root: Path | None = None,
    round_trip: bool = True,
    progress: Callable[[str], None] | None = print,
    lang: str = release.ENGLISH,
    parameters: Iterable[str] | None = None,
) -> Validation:
    """Run every source notebook under every parameter set, then grade the solution and the blank notebook.

    With ``lang`` (a translation's language), the translated notebooks run, and the submissions
    are made from the translated release and graded against the English gradebook, as in class.

    Args:
        assignment_id: the assignment to check.
        round_trip: also autograde solution, blank, wrong and alternative submissions with nbgrader.
        progress: called with one line per step.
        lang: ``en``, or a language with a translation file (``source/<id>.<lang>.yml``).
        parameters: the names of the parameter sets to use (default: all of them, in the manifest's order).

    Returns:
        The measurements (run times, scores).

    Raises:
        ValidationError: naming every notebook that failed and every test cell that gives
            free points on the blank notebook or loses points on a correct one.
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    if parameters is not None:
        wanted = list(parameters)
        unknown = sorted(set(wanted) - {p.name for p in manifest.parameters})
        if unknown or not wanted:
            raise ValidationError(f"{manifest.id}: no parameter set {', '.join(unknown) or '(none given)'}; "
                                  f"its sets are {', '.join(p.name for p in manifest.parameters)}.")
        manifest = dataclasses.replace(manifest, parameters=tuple(p for p in manifest.parameters if p.name in wanted))
    manifests.check_notebooks(manifest, root)
    release.check_source_clean(manifest, root)
    result = Validation(manifest.id if lang == release.ENGLISH else f"{manifest.id} ({lang})")
    with tempfile.TemporaryDirectory(prefix="course-validate-") as tmp:
        tmp = Path(tmp)
        source, students = manifest.source_dir(root), None
        if lang != release.ENGLISH:
            source = translate.translated_source(manifest.id, lang, tmp / "translated", root)
            students = (source, release.generate(manifest.id, tmp / "translated-course", root, lang))
        _run_all(manifest, root, tmp / "runs", result, progress, source)
        if round_trip:
            ws = Workspace.for_manifest(manifest, tmp / "course", repo=root)
            try:
                _round_trip(manifest, ws, result, progress, students)
            finally:
                ws.close()
    if result.problems:
        raise ValidationError(f"{manifest.id}: " + " | ".join(result.problems))
    return result


def _run_all(manifest, root, out: Path, result: Validation, progress, source: Path | None = None) -> None:
    out.mkdir(parents=True)
    limits = Limits.for_manifest(manifest, configured_limits(load_config(root)))
    for entry in manifest.notebooks:
        for pset in manifest.parameters:
            _say(progress, f"running {entry.file} with {pset.name} {pset.values}")
            try:
                secs = run_notebook(
                    (source or manifest.source_dir(root)) / entry.file,
                    out / f"{entry.stem}-{pset.name}.ipynb",
                    pset.values,
                    timeout=limits.cell_seconds,
                )
                result.runs.append(Run(entry.file, pset.name, secs, True))
            except NotebookError as exc:
                result.runs.append(Run(entry.file, pset.name, 0.0, False, str(exc)))
                result.problems.append(f"{exc} (parameters {pset.name})")


def _parameterized(folder: Path, values: dict) -> None:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    for path in folder.glob("*.ipynb"):
        nb = parameterize_notebook(load_notebook_node(str(path)), values, kernel_name="python3", language="python")
        nbs.write(nb, path)


def _round_trip(manifest, ws: Workspace, result: Validation, progress, students: tuple[Path, Path] | None = None) -> None:
    """Grade solution, blank, wrong and alternative submissions; ``students``: (source, release) to make them from
    (a translation's), else the workspace's English ones."""
    plans = []  # (student id, submission kind, parameter set)
    for i, pset in enumerate(manifest.parameters):
        kinds = [sample.SOLUTION, sample.BLANK] + ([sample.WRONG, sample.ALTERNATIVE] if i == 0 else [])
        plans += [(f"{kind}--{pset.name}", kind, pset) for kind in kinds]
    ws.sync(manifest, [Student(sid) for sid, _, _ in plans])
    released = ws.generate(manifest)
    source, released = students or (ws.source_dir(manifest.id), released)
    autos = [q for q in manifest.questions if q.kind == "auto"]
    for sid, kind, pset in plans:
        folder = ws.submitted_dir(manifest.id, sid)
        sample.build_submission(manifest, source, released, folder, kind)
        _parameterized(folder, pset.values)
        _say(progress, f"autograding the {kind} notebook with {pset.name}")
        graded = ws.autograde(manifest.id, sid)
        if not graded.get("success"):
            raise CourseError(f"nbgrader could not autograde the {kind} notebook: {last_line(graded)}")
        scores, _, _ = ws.read_scores(manifest, sid)
        scores = {q.id: scores[q.id] for q in autos}
        result.scores[(kind, pset.name)] = scores
        _judge(manifest, kind, pset.name, scores, result)


def _judge(manifest, kind: str, pset: str, scores: dict[str, float], result: Validation) -> None:
    for q in manifest.questions:
        if q.kind != "auto":
            continue
        got, cell = scores[q.id], f"{q.id} (cell {q.graded_cell} of {q.notebook})"
        if kind == sample.SOLUTION and got < q.points:
            result.problems.append(f"{cell}: the solution scores {got:g}/{q.points:g} with parameters {pset}")
        elif kind == sample.BLANK and got > 0:
            result.problems.append(f"{cell}: gives free points: the blank notebook scores {got:g}/{q.points:g} with parameters {pset}")
        elif kind == sample.WRONG and q.wrong and got >= q.points:
            result.problems.append(f"{cell}: the manifest's wrong answer still earns {got:g}/{q.points:g}")
        elif kind == sample.ALTERNATIVE and got < q.points:
            result.problems.append(f"{cell}: the manifest's alternative answer scores only {got:g}/{q.points:g}")


VISIBLE, HIDDEN_ONLY, NOT_CAUGHT = "visible test", "hidden tests only", "not caught"


@dataclass(frozen=True)
class Catch:
    """What catches one of the manifest's plausible mistakes when a student makes only that one."""

    question: str
    number: int  # 1 for the question's first mistake
    mistake: manifests.Mistake
    by: str  # VISIBLE, HIDDEN_ONLY or NOT_CAUGHT
    message: str  # the visible test's message a student sees ("" otherwise)
    unseen: str = ""  # a name the test read that grading never passes to it (the visible failure is a NameError)

    @property
    def problem(self) -> str:
        """Why this breaks the rule ("" if it does not): every mistake loses its points, and a visible test
        names it unless the manifest says why only a hidden one may (``hidden_only``)."""
        label = f"{self.question} mistake {self.number}" + (f" ({self.mistake.name})" if self.mistake.name else "")
        if self.unseen:
            return (f"{label} fails only because its test cell reads {self.unseen}, which an answer cell makes without "
                    f"declaring it, so grading never passes it to the tests: declare it ({self.unseen} = ... above the "
                    "solution) or compute it in the test cell")
        if self.by == NOT_CAUGHT:
            return f"{label} passes every test and keeps its points: add a test that catches it"
        if self.by == HIDDEN_ONLY and not self.mistake.hidden_only:
            return (f"{label} passes every visible test: add one whose message names the mistake, or give "
                    "hidden_only: and why only a hidden test may catch it")
        return ""


def mistakes(assignment_id: str, *, root: Path | None = None,
             progress: Callable[[str], None] | None = print, questions: Sequence[str] = ()) -> list[Catch]:
    """For every plausible mistake the manifest lists (``wrong:``), which test catches it: a visible test (the
    student learns it before submitting, from ``check()`` or ``course check``), the hidden tests only, or none.

    Each mistake is made alone, in a notebook where every other question has its solution, and its question's
    test cell is run as a student runs it: the released notebook's visible tests, then the hidden ones
    (which, failing, show only ``course check``'s "hidden tests" line). The notebook runs once with every
    solution in place, and each mistake forks from the state just before its answer cell
    (``course.authoring.probe``): the cost is about one run of the notebook, however many mistakes. The
    test cell sees only what grading's test run would (the names ``autograde.questions_of`` carries, the
    setup cells' own): a test that reads a name an answer cell binds without declaring it fails here as
    it does in grading.

    Args:
        questions: only these question ids (all the auto-graded ones when empty).

    Raises:
        CourseError: the assignment has no ``source/`` here (the hidden tests are needed to tell), or a
            question in ``questions`` is not one of its auto-graded questions.
    """
    import dataclasses
    import shutil

    from course.authoring import probe
    from course.grading.autograde import questions_of
    from course.grading.selfcheck import HIDDEN_MESSAGE, PASSED, _prepare, _unseen_name, _verdict, guard_hidden

    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    manifests.check_notebooks(manifest, root)
    if not manifest.source_dir(root).is_dir():
        raise CourseError(f"no source/{manifest.id} here: run this in the instructor's clone of the course.")
    auto = [q.id for q in manifest.questions if q.kind == "auto"]
    unknown = [qid for qid in questions if qid not in auto]
    if unknown:
        raise CourseError(f"{', '.join(unknown)}: not an auto-graded question of {manifest.id} "
                          f"(those are {', '.join(auto)}).")
    chosen = [q for q in manifest.questions if q.kind == "auto" and (not questions or q.id in questions)]
    limits = Limits.for_manifest(manifest, configured_limits(load_config(root)))
    solutions = {q.id: sample.SOLUTION for q in manifest.questions if q.kind == "auto"}
    source_dir, release_dir = manifest.source_dir(root), manifest.release_dir(root)

    def as_run(folder: Path, notebook: str, source: nbs.NotebookNode) -> nbs.NotebookNode:
        """The notebook in ``folder`` as a student runs it, its test cells the instructor's (``source``), hidden
        part guarded."""
        tests = {nbs.grade_id(c): c.source for c in source.cells if nbs.is_test_cell(c)}
        nb = _prepare(nbs.read(folder / notebook), source)
        for cell in nb.cells:
            if nbs.is_test_cell(cell):
                cell.source = guard_hidden(tests[nbs.grade_id(cell)])
        return nb

    found = []
    with tempfile.TemporaryDirectory(prefix="course-mistakes-") as tmp:
        work = Path(tmp) / "run"
        shutil.copytree(release_dir, work, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        sample.build_submission(manifest, source_dir, release_dir, work, solutions)
        for notebook in dict.fromkeys(q.notebook for q in chosen):
            source = nbs.read(source_dir / notebook)
            solved = as_run(work, notebook, source)
            code = [(i, c.source) for i, c in enumerate(solved.cells) if c.cell_type == "code"]
            trials, order = [], []
            for q in (q for q in chosen if q.notebook == notebook):
                test_at = next((i for i, c in enumerate(solved.cells) if nbs.grade_id(c) == q.graded_cell), None)
                if test_at is None:
                    raise CourseError(f"{manifest.id} {q.id}: no test cell {q.graded_cell!r} in {notebook}.")
                for n, mistake in enumerate(q.mistakes, 1):
                    alone = dataclasses.replace(manifest, questions=tuple(
                        dataclasses.replace(other, mistakes=(mistake,)) if other.id == q.id else other
                        for other in manifest.questions))
                    folder = sample.build_submission(alone, source_dir, release_dir, Path(tmp) / f"{q.id}-{n}",
                                                     {**solutions, q.id: sample.WRONG})
                    wrong = as_run(folder, notebook, source)
                    if len(wrong.cells) != len(solved.cells):
                        raise CourseError(f"{manifest.id} {q.id} mistake {n} changes the notebook's cells, not "
                                          "only its answer: write it as the answer cell's code.")
                    changed = {i: c.source for i, c in enumerate(wrong.cells)
                               if c.cell_type == "code" and c.source != solved.cells[i].source}
                    trials.append({"key": f"{q.id}.{n}", "until": test_at,
                                   "cells": changed or {test_at: solved.cells[test_at].source}})
                    order.append((q, n, mistake, wrong))
            # what reaches each test cell in grading: the grader's own list, applied to the instructor's notebook
            carried = questions_of(source)
            crossing = {i: carried.get(nbs.grade_id(c), []) for i, c in enumerate(solved.cells) if nbs.is_test_cell(c)}
            answers = [i for i, c in enumerate(solved.cells) if nbs.is_answer_cell(c)]
            _say(progress, f"{notebook}: running it once and trying {len(trials)} plausible mistake(s) from it")
            outputs = probe.run(code, trials, work, wall_seconds=limits.wall_seconds, cell_seconds=limits.cell_seconds,
                                answers=answers, crossing=crossing)
            for q, n, mistake, wrong in order:
                tested = {"outputs": outputs.get(f"{q.id}.{n}", [])}
                status, message = _verdict(tested)
                unseen = _unseen_name(tested, wrong, source)  # the mistake's or the solution's own name
                if unseen:  # what course check says
                    message = nbs.unseen_message(unseen, carried.get(q.graded_cell, []))
                by = NOT_CAUGHT if status == PASSED else HIDDEN_ONLY if message == HIDDEN_MESSAGE else VISIBLE
                found.append(Catch(q.id, n, mistake, by, message if by == VISIBLE else "", unseen))
    return found


def mistake_problems(manifest: manifests.Manifest, catches: list[Catch], questions: Sequence[str] = ()) -> list[str]:
    """Every break of the rule: too few mistakes listed for a question, or one no visible test names.

    With ``questions``, only those questions' breaks.
    """
    problems = [f"{q.id} lists {len(q.mistakes)} plausible mistake(s): list at least {manifests.MIN_MISTAKES} "
                f"(typical student errors) in source/{manifest.id}.yml"
                for q in manifest.questions if q.kind == "auto" and len(q.mistakes) < manifests.MIN_MISTAKES
                and (not questions or q.id in questions)]
    return problems + [c.problem for c in catches if c.problem]


def mistakes_summary(assignment_id: str, catches: list[Catch]) -> str:
    """The table ``course validate --mistakes`` prints, with the count a closing note quotes."""
    seen = sum(c.by == VISIBLE for c in catches)
    lines = [f"{assignment_id}: {seen} of {len(catches)} plausible mistakes fail a visible test"]
    for c in catches:
        why = c.message or (f"(hidden_only: {c.mistake.hidden_only})" if c.mistake.hidden_only else "")
        lines.append(f"  {c.question + '.' + str(c.number):<7} {c.by:<18} {why}".rstrip())
    return "\n".join(lines)
