"""Module 1 through a real JupyterHub: release, fetch, work, submit, collect, autograde, feedback.

Everybody acts as a real user would: through the hub's REST API with a token of their own,
the nbgrader Assignments tab's handlers, the formgrader's API and a JupyterLab terminal of
their own server. The servers run as separate system users, so what one student may not
read is refused by the operating system, not by the test.
"""

import json
import shlex
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
    print(f"\nthe class cycle on the hub took {time.monotonic() - started:.0f} s ({', '.join(laps)}); artifacts in {OUT}")
