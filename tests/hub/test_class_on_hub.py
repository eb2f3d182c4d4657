"""Module 1 through a real JupyterHub: release, fetch, work, submit, collect, autograde, feedback.

Everybody acts as a real user would: through the hub's REST API with a token of their own,
the nbgrader Assignments tab's handlers, the formgrader's API and a JupyterLab terminal of
their own server. The servers run as separate system users, so what one student may not
read is refused by the operating system, not by the test.
"""

import json
import pwd
import shlex
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest

from course import manifest as manifests
from course.authoring.sample import SOLUTION, build_submission, partial_answers
from tests.hub import hubctl
from tests.hub.conftest import INSTRUCTOR, STUDENTS

pytestmark = [pytest.mark.slow, pytest.mark.hub]

AID = "01-problem-framing"
LAB = f"{AID}-lab.ipynb"
OUT = hubctl.ARTIFACTS / "hub"


def _answers(student: str) -> dict:
    """The lab as each student hands it in: ana answers everything right, ben half of it."""
    m = manifests.load(AID, hubctl.REPO)
    choice = SOLUTION if student == STUDENTS[0] else partial_answers(m)
    with tempfile.TemporaryDirectory() as tmp:
        build_submission(m, hubctl.REPO / "source" / AID, hubctl.REPO / "release" / AID, Path(tmp), choice)
        return json.loads((Path(tmp) / LAB).read_text())


def _expected_autograded(student: str) -> float:
    m = manifests.load(AID, hubctl.REPO)
    autos = [q for q in m.questions if q.kind == "auto"]
    if student == STUDENTS[0]:
        return float(sum(q.points for q in autos))
    right = partial_answers(m)
    return float(sum(q.points for q in autos if right[q.id] == SOLUTION))


def _ok(response, what):
    assert response.status_code == 200, f"{what}: HTTP {response.status_code} {response.text[:500]}"
    body = response.json()
    assert body.get("success", True), f"{what} failed: {body.get('error') or body.get('log')}"
    return body


def test_users_log_in_with_their_system_password_through_pam_and_a_wrong_one_is_refused(hub):
    started = time.monotonic()
    auth = hub.authenticator()  # what the running hub uses, from its own log
    assert auth == "PAMAuthenticator", f"the hub authenticates with {auth}, not the shipped PAM; see {hub.log_path}"
    ana, ben = STUDENTS
    session = hub.login(ana, hubctl.PASSWORDS[ana])
    who = session.get(f"{hub.url}/hub/api/user", timeout=30,
                      headers={"X-XSRFToken": hubctl._xsrf(session)}).json()
    assert who["name"] == ana and not who["admin"], who
    # each refusal costs PAM's 3 s fail delay (pam_faildelay), so two: a wrong password, an unknown user
    for name, password in ((ana, hubctl.PASSWORDS[ben]), ("sdl-nobody", hubctl.PASSWORDS[ana])):
        with pytest.raises(AssertionError, match="could not log in: HTTP 403"):
            hub.login(name, password)
    # the instructor is an admin (COURSE_INSTRUCTORS), by the same form
    teacher = hub.login(INSTRUCTOR, hubctl.PASSWORDS[INSTRUCTOR])
    assert teacher.get(f"{hub.url}/hub/api/user", timeout=30).json()["admin"] is True
    # the idle culler runs as the hub's managed service, with the hub's own Python, and talks to the hub
    culler = hub.wait_for_log(r"200 GET /hub/api/users\S* \(idle-culler@")
    assert culler, f"the idle culler never asked the hub for its users; see {hub.log_path}"
    assert f"Starting service 'idle-culler': [{str(hubctl.BIN / 'python')!r}, '-m', 'jupyterhub_idle_culler'" \
        in hub.log_path.read_text(), "the culler was not started with the hub's own Python"
    print(f"\nlogins checked in {time.monotonic() - started:.1f} s")


def test_a_class_releases_works_submits_and_gets_private_feedback_on_the_hub(hub):
    started = last = time.monotonic()
    laps = []

    def lap(what):
        nonlocal last
        laps.append(f"{what} {time.monotonic() - last:.0f} s")
        last = time.monotonic()

    teacher = hub.user(INSTRUCTOR)
    ana, ben = (hub.user(name) for name in STUDENTS)
    for user in (teacher, ana, ben):
        user.start_server(wait=False)  # the hub starts them side by side
    for user in (teacher, ana, ben):
        user.wait_ready()
    for name, home in hub.homes.items():
        assert home.stat().st_mode & 0o077 == 0, f"{name}'s home is open to other users: {oct(home.stat().st_mode)}"
    lap("servers started")
    # students get the Assignments tab, not the formgrader
    assert ben.get("/formgrader").status_code == 404
    assert teacher.get("/formgrader/api/status").json() == {"status": True}

    # the instructor releases module 1, as the README says, from a terminal on the hub
    rc, out = teacher.shell(f"cd $COURSE_ROOT && course release {AID} --to-exchange")
    (OUT / "instructor-release.txt").write_text(out)
    assert rc == 0, f"course release failed on the hub:\n{out[-3000:]}"
    assert "released to students through the exchange" in out

    lap("released")
    for student in (ana, ben):
        listed = student.assignments()
        assert [(a["assignment_id"], a["status"]) for a in listed] == [(AID, "released")], listed
        student.nbgrader("fetch", AID)
        nb = student.get(f"/api/contents/{AID}/{LAB}")
        assert nb.status_code == 200, f"{student.name} has no {LAB} after fetching: {nb.text[:300]}"
        assert "BEGIN SOLUTION" not in nb.text
        # the notebooks' glossary links open the module's own copy, fetched beside them
        glossary = student.get(f"/api/contents/{AID}/GLOSSARY.md")
        assert glossary.status_code == 200 and '<a id="kpi"></a>' in glossary.json()["content"], glossary.text[:300]
        # the student's work: answers typed into the notebook, saved through the contents API
        saved = student.put(f"/api/contents/{AID}/{LAB}",
                            json={"type": "notebook", "format": "json", "content": _answers(student.name)})
        assert saved.status_code == 200, saved.text[:300]
        student.nbgrader("submit", AID)
        assert any(a["status"] == "submitted" for a in student.assignments())

    lap("fetched, worked, submitted")
    # a student cannot even list what others handed in
    rc, out = ben.shell(f"ls $COURSE_EXCHANGE/{hubctl.COURSE_ID}/inbound")
    assert rc != 0 and "Permission denied" in out, out

    # the instructor collects, autogrades and releases feedback with the formgrader
    _ok(teacher.post(f"/formgrader/api/assignment/{AID}/collect"), "collect")
    for student in STUDENTS:
        _ok(teacher.post(f"/formgrader/api/submission/{AID}/{student}/autograde"), f"autograding {student}")
    lap("collected and autograded")
    submissions = {s["student"]: s for s in teacher.get(f"/formgrader/api/submissions/{AID}").json()}
    (OUT / "gradebook.json").write_text(json.dumps(submissions, indent=2, default=str))
    for student in STUDENTS:
        assert submissions[student]["autograded"], submissions[student]
        assert submissions[student]["code_score"] == pytest.approx(_expected_autograded(student)), submissions[student]
    assert submissions[STUDENTS[0]]["code_score"] > submissions[STUDENTS[1]]["code_score"]
    _ok(teacher.post(f"/formgrader/api/assignment/{AID}/generate_feedback"), "generating feedback")
    _ok(teacher.post(f"/formgrader/api/assignment/{AID}/release_feedback"), "releasing feedback")

    lap("feedback generated and released")
    # each student fetches their own feedback, and nobody else's
    feedback = {}
    for student in (ana, ben):
        student.nbgrader("fetch_feedback", AID)
        folders = student.get(f"/api/contents/{AID}/feedback").json()["content"]
        assert len(folders) == 1, folders
        files = {f["name"]: f["path"] for f in student.get(f"/api/contents/{folders[0]['path']}").json()["content"]}
        assert LAB.replace(".ipynb", ".html") in files, files
        path = files[LAB.replace(".ipynb", ".html")]
        html = student.get(f"/api/contents/{path}").json()["content"]
        (OUT / f"feedback-{student.name}.html").write_text(html)
        score = submissions[student.name]["score"]
        assert f"{score:g}" in html, f"{student.name}'s feedback does not show their score {score}"
        feedback[student.name] = path
    assert (OUT / f"feedback-{STUDENTS[0]}.html").read_text() != (OUT / f"feedback-{STUDENTS[1]}.html").read_text()

    # ben tries to read ana's feedback: the hub refuses his token, the OS refuses his process
    assert ben.session.get(f"{ana.server}/api/contents/{feedback[STUDENTS[0]]}", headers=ben.headers,
                           timeout=30).status_code in (403, 404)
    rc, out = ben.shell(f"cat {shlex.quote(str(hub.homes[STUDENTS[0]] / feedback[STUDENTS[0]]))}")
    assert rc != 0 and "Permission denied" in out, f"ben could read ana's feedback:\n{out[:500]}"
    rc, out = ben.shell(f"ls $COURSE_EXCHANGE/{hubctl.COURSE_ID}/feedback")
    assert rc != 0 and "Permission denied" in out, out
    rc, out = ana.shell(f"cat ~/{shlex.quote(feedback[STUDENTS[0]])} | wc -c")
    assert rc == 0 and int(out.split()[-1]) > 1000, out  # while ana reads her own
    lap("feedback fetched and checked")

    # -- after the whole cycle: nothing of the solutions or hidden tests is within a student's reach
    repo = hubctl.REPO
    rc, out = ben.shell(f"cat {repo}/source/{AID}/{LAB}")
    assert rc != 0 and "Permission denied" in out, f"a student read the source notebook:\n{out[:500]}"
    for path in (repo / "source", repo / ".git", repo / "tests", repo / "assignments", repo / ".work",
                 hub.homes[INSTRUCTOR] / "social-design-lab" / "source"):
        rc, out = ben.shell(f"test -r {path} || test -x {path}")
        assert rc != 0, f"{STUDENTS[1]} may read or enter {path}"
    rc, out = ben.shell(f"cat {repo}/deploy/jupyter/student/nbgrader_config.py")
    assert rc == 0 and "Exchange.root" in out, out  # what students' servers must read stays readable
    report = _scan_as_student(hub, STUDENTS[1])
    lap(f"everything {STUDENTS[1]} can read scanned ({report['files']} files, {report['bytes'] / 1e6:.0f} MB, "
        f"{report['seconds']:.0f} s)")
    print(f"\nthe class cycle on the hub took {time.monotonic() - started:.0f} s ({', '.join(laps)}); artifacts in {OUT}")


def _scan_as_student(hub, student: str) -> dict:
    """Search everything ``student`` can read for nbgrader's markers and the hidden tests' own lines.

    Three planted files in the student's home (plain text, highlighted HTML as nbconvert writes
    it, a SQLite table) prove the scan finds what it looks for. A hit fails the test when it is in
    the hub's places (this checkout with its environment, the hub's folder and exchange, the users'
    homes), belongs to a test user, was written during the hub's session, or holds a hidden test's
    line and was written or changed (ctime) since this test session began: whatever the course's
    code wrote while the other tests ran is held to the rule too. Other copies of this repository
    on the machine (developers' worktrees, CI's clone) and files the machine had before the tests
    began (a CI runner's own record of the change under test, say) are not the hub's doing: they
    are reported, not failed.
    """
    lines = hubctl.hidden_test_lines()
    assert len(lines) > 50, f"too few distinctive hidden-test lines to search for: {lines}"
    home = hub.homes[student]
    controls = home / "scan-controls"
    controls.mkdir()
    planted = lines[len(lines) // 2]
    (controls / "plain.txt").write_text(f"x = 1\n{planted}\n")
    (controls / "feedback.html").write_text("<pre>" + "".join(f"<span class=\"n\">{ch}</span>" for ch in
                                                             __import__("html").escape(planted)) + "</pre>")
    with sqlite3.connect(controls / "gradebook.db") as db:
        db.execute("CREATE TABLE source_cell (source TEXT)")
        db.execute("INSERT INTO source_cell VALUES (?)", (f"def t():\n    {lines[0]}\n",))
    user = pwd.getpwnam(student)
    for path in (controls, *controls.iterdir()):
        __import__("os").chown(path, user.pw_uid, user.pw_gid)
    started = time.monotonic()
    report = hubctl.scan_as(student, {"marker": hubctl.MARKERS, "hidden-test line": lines})
    report["seconds"] = time.monotonic() - started
    (OUT / "student-readable-scan.json").write_text(json.dumps(report, indent=1))
    test_uids = {pwd.getpwnam(name).pw_uid for name in hub.homes}
    places = [hubctl.REPO, hub.dir, *hub.homes.values()]
    found_controls, leaks, elsewhere = set(), [], []
    for hit in report["found"]:
        path = Path(hit["path"])
        if path.parent == controls:
            found_controls.add(path.name)
        elif hubctl.foreign_checkout(path):
            elsewhere.append(f"{path} (another copy of the repository)")
        elif (hit["uid"] in test_uids or hit["mtime"] >= hub.started or hit["ctime"] >= hub.started
              or ("hidden-test line" in hit["kinds"] and hit["ctime"] >= hubctl.SESSION_STARTED)
              or any(path.is_relative_to(p) for p in places)):
            leaks.append(f"{path} ({', '.join(hit['kinds'])}, uid {hit['uid']})")
        else:
            elsewhere.append(f"{path} ({', '.join(hit['kinds'])}, there before the hub)")
    assert found_controls == {"plain.txt", "feedback.html", "gradebook.db"}, \
        f"the scan missed planted text: it found only {found_controls}"
    assert not leaks, f"{student} can read solution or hidden-test text:\n" + "\n".join(leaks)
    if elsewhere:
        print(f"\nnot the hub's, readable by {student} on this machine:\n  " + "\n  ".join(elsewhere))
    return report
