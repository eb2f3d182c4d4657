"""In a notebook: ``check("q1")`` runs a question's visible tests with a friendly message, ``hint("q1")`` gives hints in steps.

Both read everything from the manifest and the released notebook, so every module gets them
by importing them in its setup cell (``from course.learn import check, hint``). They never
raise: a learner's notebook, or the grader's run of it, goes on whatever happens. They never
see a hidden test: the released notebook holds none.
"""

from __future__ import annotations

import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from course.errors import CourseError
from course.i18n import _
from course.paths import find_root

if TYPE_CHECKING:
    from course.learn.questions import Exercise

PASSED = "passed"
FAILED = "failed"
NOT_ANSWERED = "not answered"
NOT_CHECKED = "not checked"

#: Jupyter Server sets this in the kernel's environment to the notebook's path.
SESSION_ENV = "JPY_SESSION_NAME"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a question's visible tests on the learner's current answer."""

    question: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        return f"{self.question}: {self.message}"


class Coach:
    """Checks and hints for one assignment, in one kernel (it remembers which hints were shown)."""

    def __init__(self, assignment_id: str | None = None, root: Path | str | None = None):
        self.assignment_id = assignment_id
        self.root = root
        self._exercises: dict[str, Exercise] | None = None
        self._shown: dict[str, int] = {}

    def use(self, assignment_id: str) -> None:
        """Work on this assignment (when it cannot be told from the notebook's folder)."""
        self.assignment_id = str(assignment_id)
        self._exercises = None
        self._shown = {}

    def exercises(self) -> dict[str, Exercise]:
        # Imported here, not at the top: nbformat takes seconds to import, and the setup cell
        # (also run by the grader) should not pay for tools the learner may never call.
        from course.learn import questions as qs

        if self._exercises is None:
            root = find_root(self.root)
            aid = self.assignment_id or qs.guess_assignment(Path.cwd(), root, os.environ.get(SESSION_ENV))
            if aid is None:
                raise CourseError(_(
                    "cannot tell which assignment this notebook belongs to: run, e.g., "
                    'use("01-problem-framing") once, then try again.'
                ))
            self._exercises = qs.exercises(aid, root)
            self.assignment_id = aid
        return self._exercises

    def _exercise(self, question: object) -> Exercise:
        from course.learn import questions as qs

        qid = qs.normalise_id(question)
        found = self.exercises()
        if qid not in found:
            raise CourseError(qs.unknown_question(qid, list(found)))
        return found[qid]

    def check(self, question: object, namespace: dict) -> CheckResult:
        """Run the visible tests of ``question`` on the answers in ``namespace``.

        Args:
            question: "q1", or 1.
            namespace: the notebook's variables (its globals).

        Returns:
            The result: passed, failed (with the test's message), or not answered.

        Raises:
            CourseError: the question or the assignment is unknown.
        """
        ex = self._exercise(question)
        if ex.kind != "auto":
            return CheckResult(ex.id, NOT_CHECKED, _('a written answer, graded by a person: there is no automatic check. Re-read the question and make sure you answer every part of it.'))
        for name in ex.names:
            if name not in namespace:
                return CheckResult(ex.id, NOT_ANSWERED, _('{name} does not exist yet: run the answer cell of {question} (and the cells above it), then check again.').format(name=name, question=ex.id))
            if namespace[name] is Ellipsis:
                return CheckResult(ex.id, NOT_ANSWERED, _('{name} is still `...`: replace ... with your answer, run the cell, then check again.').format(name=name))
        try:
            return self._run_visible(ex, namespace)
        finally:
            helpers = sys.modules.get("course.checks")
            if helpers is not None:  # check() prints its own line: no second one after the cell
                helpers._checked.clear()

    def _run_visible(self, ex: Exercise, namespace: dict) -> CheckResult:
        scope, unseen = _as_tests_see(namespace, ex.seen)
        try:
            exec(compile(ex.visible_tests, f"<visible tests of {ex.id}>", "exec"), scope)  # noqa: S102
        except NameError as exc:
            missing = getattr(exc, "name", None) or str(exc)
            if missing in unseen:
                from course.notebooks import unseen_message  # here: the setup cell's import stays light

                return CheckResult(ex.id, FAILED, _('not yet. {message}{offer}').format(message=unseen_message(missing, ex.names), offer=""))
            return CheckResult(ex.id, FAILED, _('not yet. {missing} is not defined: run every cell above this question first (Run > Run All Above Selected Cell).').format(missing=missing))
        except AssertionError as exc:
            message = str(exc).strip() or _("a visible test failed.")
            return CheckResult(ex.id, FAILED, _('not yet. {message}{offer}').format(message=message, offer=self._hint_offer(ex)))
        except Exception as exc:  # the learner's answer may make any test stumble; say how, in one line
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            return CheckResult(ex.id, FAILED, _('not yet. Testing your answer raised {kind}{detail}. Check the type and shape of your answer.{offer}').format(kind=type(exc).__name__, detail=': ' + first if first else '', offer=self._hint_offer(ex)))
        return CheckResult(ex.id, PASSED, _('passed the visible tests. More tests run when your work is graded: `course check <your notebook>` runs them all on your own machine.'))

    def check_all(self, namespace: dict) -> list[CheckResult]:
        """Check every autograded question of the assignment; unanswered ones say so."""
        return [self.check(ex.id, namespace) for ex in self.exercises().values() if ex.kind == "auto"]

    def _hint_offer(self, ex: Exercise) -> str:
        left = len(ex.hints) - self._shown.get(ex.id, 0)
        return _(' Stuck? hint("{question}") gives a hint.').format(question=ex.id) if left > 0 else ""

    def hint(self, question: object) -> str:
        """The next hint of ``question``: hint 1 on the first call, hint 2 on the next, and so on.

        Raises:
            CourseError: the question or the assignment is unknown.
        """
        ex = self._exercise(question)
        total = len(ex.hints)
        if total == 0:
            return _('{question} has no hints. Re-read the question, and run check("{question}"): '
                     "its message says what to try next.").format(question=ex.id)
        shown = self._shown.get(ex.id, 0)
        if shown >= total:
            return _("No more hints for {question}: you have seen all {total}. The last one was: {hint}").format(
                question=ex.id, total=total, hint=ex.hints[-1])
        self._shown[ex.id] = shown + 1
        if shown + 1 == total:
            return _("Hint {number} of {total} for {question} (the last one): {hint}").format(
                number=shown + 1, total=total, question=ex.id, hint=ex.hints[shown])
        return _('Hint {number} of {total} for {question}. Call hint("{question}") again for the next one: {hint}').format(
            number=shown + 1, total=total, question=ex.id, hint=ex.hints[shown])


def _as_tests_see(namespace: dict, seen: frozenset[str] | None) -> tuple[dict, set[str]]:
    """The notebook's variables as grading's tests have them, and the names left out.

    Grading runs the tests in a process of their own, which receives only the names each
    question's answer cell declares (``course.notebooks.crossing_names``); a helper variable an
    answer cell makes never reaches them. ``seen`` is what they can read (None: not known, so
    everything). Names IPython keeps and names beginning with ``_`` stay. The notebook's own
    functions keep their globals, as a call from the tests runs in the student's process.
    """
    if seen is None:
        return namespace, set()
    unseen = {n for n in namespace if n not in seen and not n.startswith("_") and n not in ("In", "Out", "get_ipython", "exit", "quit")}
    return {n: v for n, v in namespace.items() if n not in unseen}, unseen


_COACH = Coach()


def _caller_namespace() -> dict:
    """The notebook's variables: IPython's user namespace, else the globals of whoever called us."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:  # pragma: no cover (IPython ships with Jupyter)
        pass
    frame = inspect.currentframe()
    try:
        return frame.f_back.f_back.f_globals
    finally:
        del frame


def use(assignment_id: str) -> None:
    """Tell check() and hint() which assignment this notebook belongs to, e.g. use("02-ml-lab")."""
    _COACH.use(assignment_id)
    print(_("check() and hint() now use the questions of {assignment}.").format(assignment=assignment_id))


def check(question: object = None) -> None:
    """Run the visible tests of one question, e.g. check("q1"); with no question, of every question.

    Prints one friendly line per question. Never raises, so it cannot stop your notebook.
    Hidden tests run only when your work is graded (or with `course check` on your machine).
    """
    namespace = _caller_namespace()
    try:
        results = _COACH.check_all(namespace) if question is None else [_COACH.check(question, namespace)]
    except CourseError as exc:
        print(_("check() could not run: {problem}").format(problem=exc))
        return
    for result in results:
        print(result)


def hint(question: object = None) -> None:
    """Show the next hint of a question, e.g. hint("q1"): call again for the next one. Never raises."""
    if question is None:
        print(_('Say which question, e.g. hint("q1"). Each call shows one more hint.'))
        return
    try:
        print(_COACH.hint(question))
    except CourseError as exc:
        print(_("hint() could not run: {problem}").format(problem=exc))
