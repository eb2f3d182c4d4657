"""course.manifest: reading, validating, and matching manifests against notebooks."""


import pytest
import yaml

from course import manifest
from course.errors import AssignmentNotFound, ManifestError


def _write(root, data):
    (root / "assignments" / "00-toy.yml").write_text(yaml.safe_dump(data))


def _toy(root):
    return yaml.safe_load((root / "assignments" / "00-toy.yml").read_text())


def test_toy_manifest_loads_with_points_and_parameters(toy_root):
    m = manifest.load("00-toy", toy_root)
    assert [q.id for q in m.questions] == ["q1", "q2", "q3"]
    assert m.points == 5 and m.auto_points == 3
    assert [p.name for p in m.parameters] == ["default", "other-seed"]
    assert m.due.utcoffset() is not None
    manifest.check_notebooks(m, toy_root)


def test_every_shipped_manifest_is_valid_and_matches_its_notebooks(repo_root):
    ids = manifest.available(repo_root)
    assert ids, "no manifest in assignments/"
    for aid in ids:
        manifest.check_notebooks(manifest.load(aid, repo_root), repo_root)


def test_module_0_is_the_on_ramp(toy_root):
    data = _toy(toy_root)
    data["module"] = 0
    _write(toy_root, data)
    assert manifest.load("00-toy", toy_root).module == 0


def test_hints_are_read_in_order(toy_root):
    data = _toy(toy_root)
    data["questions"][0]["hints"] = ["Which column holds the minutes?", "Filter the rows first, then take the median."]
    _write(toy_root, data)
    q = manifest.load("00-toy", toy_root).question("q1")
    assert q.hints == ("Which column holds the minutes?", "Filter the rows first, then take the median.")
    assert manifest.load("00-toy", toy_root).question("q2").hints == ()


def test_unknown_assignment_suggests_the_closest_id(toy_root):
    with pytest.raises(AssignmentNotFound, match='Did you mean "00-toy"'):
        manifest.load("00-tyo", toy_root)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("due"), "missing field due"),
        (lambda d: d["questions"][0].pop("points"), 'q1 has no points. Add "points: <n>"'),
        (lambda d: d["questions"][0].update(points=-1), "q1 points must be a positive number"),
        (lambda d: d.update(module=-1), "module must be a whole number from 0, not -1"),
        (lambda d: d.update(minutes=0), "minutes must be a positive whole number, not 0"),
        (lambda d: d["questions"][1].update(id="q1"), "question id q1 is used twice"),
        (lambda d: d.update(due="2027-01-15T23:59:00"), "has no time zone"),
        (lambda d: d.update(due="next friday"), "is not a date and time"),
        (lambda d: d.update(id="00-other"), "but the file is named 00-toy.yml"),
        (lambda d: d["questions"][0].update(kind="oral"), 'kind must be "auto", "manual" or "task"'),
        (lambda d: d.update(parameters=[]), "parameters must be a non-empty list"),
        (lambda d: d["questions"][0].update(hints="look at the median"), "q1 hints must be a list of sentences"),
        (lambda d: d["questions"][0].update(hints=["", "x"]), "q1 hints must be a list of sentences"),
    ],
)
def test_bad_manifest_fields_give_one_line_that_says_what_to_do(toy_root, change, message):
    data = _toy(toy_root)
    change(data)
    _write(toy_root, data)
    with pytest.raises(ManifestError) as err:
        manifest.load("00-toy", toy_root)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("assignments/00-toy.yml")


def test_invalid_yaml_names_the_line(toy_root):
    (toy_root / "assignments" / "00-toy.yml").write_text("id: 00-toy\ntitle: [unclosed\n")
    with pytest.raises(ManifestError, match="line .*not valid YAML"):
        manifest.load("00-toy", toy_root)


def test_points_that_disagree_with_the_notebook_are_reported(toy_root):
    data = _toy(toy_root)
    data["questions"][0]["points"] = 3
    _write(toy_root, data)
    m = manifest.load("00-toy", toy_root)
    with pytest.raises(ManifestError, match="q1 is worth 3 points here but 2.0 in the metadata of cell q1-tests"):
        manifest.check_notebooks(m, toy_root)


def test_a_graded_cell_no_question_declares_is_reported(toy_root):
    data = _toy(toy_root)
    data["questions"] = data["questions"][:2]
    _write(toy_root, data)
    with pytest.raises(ManifestError, match="q3-answer that no question declares"):
        manifest.check_notebooks(manifest.load("00-toy", toy_root), toy_root)


def test_a_notebook_missing_from_source_is_reported(toy_root):
    (toy_root / "source" / "00-toy" / "00-toy-lab.ipynb").unlink()
    with pytest.raises(ManifestError, match="holds no notebook"):
        manifest.check_notebooks(manifest.load("00-toy", toy_root), toy_root)


def test_a_task_cell_must_be_declared_and_counts_as_graded_by_hand(toy_root):
    from nbformat.v4 import new_markdown_cell

    from course import notebooks as nbs

    data = _toy(toy_root)
    nb_file = data["questions"][0].get("notebook") or next(n["file"] for n in data["notebooks"] if n["graded"])
    path = toy_root / "source" / "00-toy" / nb_file
    nb = nbs.read(path)
    task = new_markdown_cell("## Task\nPlot the data and describe it.")
    task.metadata["nbgrader"] = {"grade_id": "q9-task", "task": True, "grade": False, "solution": False, "locked": True,
                                 "points": 4, "schema_version": 3}
    nb.cells.append(task)
    nbs.write(nb, path)
    with pytest.raises(ManifestError, match="q9-task that no question declares"):
        manifest.check_notebooks(manifest.load("00-toy", toy_root), toy_root)
    data["questions"].append({"id": "q9", "notebook": nb_file, "kind": "task", "points": 4})
    _write(toy_root, data)
    m = manifest.load("00-toy", toy_root)
    manifest.check_notebooks(m, toy_root)
    q9 = next(q for q in m.questions if q.id == "q9")
    assert q9.graded_cell == "q9-task" and q9.by_hand and m.points == sum(q.points for q in m.questions)


def test_every_shipped_manifest_keeps_its_answers_in_source_not_in_the_public_manifest(repo_root):
    for aid in manifest.available(repo_root):
        public = yaml.safe_load(manifest.manifest_path(aid, repo_root).read_text())
        leaked = [(q["id"], k) for q in public["questions"] for k in manifest.ANSWER_KEYS if k in q]
        assert not leaked, f"assignments/{aid}.yml holds answers {leaked}: move them to source/{aid}.yml"
        m = manifest.load(aid, repo_root)
        assert any(q.alternative for q in m.questions), f"source/{aid}.yml gave no alternative answer"


def test_answers_in_source_are_merged_into_their_questions(toy_root):
    data = _toy(toy_root)
    for q in data["questions"]:
        q.pop("wrong", None), q.pop("alternative", None)
    _write(toy_root, data)
    manifest.answers_path("00-toy", toy_root).write_text(
        "questions:\n  q2:\n    wrong: |\n      doubled = 1\n    alternative: |\n      doubled = 2 * SEED\n")
    m = manifest.load("00-toy", toy_root)
    assert (m.question("q2").wrong, m.question("q2").alternative) == ("doubled = 1\n", "doubled = 2 * SEED\n")
    assert m.question("q1").alternative is None


@pytest.mark.parametrize("text, says", [
    ("questions:\n  q9:\n    wrong: |\n      x = 1\n", "q9 is not in the manifest"),
    ("questions:\n  q1:\n    wrong: |\n      x = 1\n", "also in assignments/"),
    ("questions:\n  q1:\n    points: 3\n", "may only hold wrong and alternative"),
    ("- q1\n", 'should hold "questions:"'),
])
def test_a_wrong_answers_file_is_one_line_naming_it(toy_root, text, says):
    manifest.answers_path("00-toy", toy_root).write_text(text)
    with pytest.raises(ManifestError, match=says) as exc:
        manifest.load("00-toy", toy_root)
    assert "source/00-toy.yml" in str(exc.value) and "\n" not in str(exc.value)


def test_a_question_may_list_several_plausible_mistakes_each_named_or_marked_hidden_only(toy_root):
    data = _toy(toy_root)
    for q in data["questions"]:
        q.pop("wrong", None), q.pop("alternative", None)
    _write(toy_root, data)
    manifest.answers_path("00-toy", toy_root).write_text(
        "questions:\n  q2:\n    wrong:\n      - |\n        doubled = SEED\n"
        "      - answer: |\n          doubled = SEED + 1\n        name: one more\n"
        "      - answer: |\n          doubled = 4 * SEED\n        hidden_only: the value is secret\n")
    q = manifest.load("00-toy", toy_root).question("q2")
    assert q.mistakes == (manifest.Mistake("doubled = SEED\n"), manifest.Mistake("doubled = SEED + 1\n", "one more"),
                          manifest.Mistake("doubled = 4 * SEED\n", hidden_only="the value is secret"))
    assert q.wrong == "doubled = SEED\n"  # the first one: what the sample class and the round trip hand in


@pytest.mark.parametrize("wrong", ["[1, 2]", "\n      - answer: x = 1\n        why: typo", "\n      - name: no answer",
                                   "\n      - answer: x = 1\n        hidden_only: [secret]"])
def test_a_malformed_mistake_is_one_line_saying_the_forms(toy_root, wrong):
    data = _toy(toy_root)
    for q in data["questions"]:
        q.pop("wrong", None)
    _write(toy_root, data)
    manifest.answers_path("00-toy", toy_root).write_text(f"questions:\n  q2:\n    wrong: {wrong}\n")
    with pytest.raises(ManifestError, match=r"q2 wrong must be code written as a block \(use \|\), or a list of them"):
        manifest.load("00-toy", toy_root)
