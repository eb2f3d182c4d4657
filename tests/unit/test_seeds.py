"""course.seeds: one student's numbers are the same on the hub and in grading, and differ between students."""

from course.seeds import student_seed


def test_same_student_same_seed_everywhere(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "aiko")
    assert student_seed("01-problem-framing") == student_seed("01-problem-framing", "aiko") == 1211091845


def test_students_and_assignments_get_different_seeds():
    seeds = {student_seed(a, s) for a in ("01-x", "02-y") for s in ("aiko", "kenji", "mei")}
    assert len(seeds) == 6 and all(0 <= s < 2**31 - 1 for s in seeds)


def test_self_learner_gets_the_default(monkeypatch):
    for var in ("JUPYTERHUB_USER", "NB_USER"):
        monkeypatch.delenv(var, raising=False)
    assert student_seed("01-problem-framing", default=7) == 7
