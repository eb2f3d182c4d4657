"""nbgrader configuration for Social Design Lab.

Used by the `course` CLI and by plain `nbgrader` / the formgrader run from this folder.
Everything the tools make lives in `.work/` (ignored by git). For a real hub, override
by environment:

    COURSE_ID        nbgrader course id                (default: social-design-lab)
    COURSE_WORK      nbgrader course root              (default: <repo>/.work/course)
    COURSE_DB_URL    gradebook database URL            (default: sqlite file in COURSE_WORK)
    COURSE_EXCHANGE  nbgrader exchange directory       (default: <repo>/.work/exchange)
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when this file is loaded)

REPO = Path(__file__).resolve().parent
WORK = Path(os.environ.get("COURSE_WORK", REPO / ".work" / "course"))

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "social-design-lab")
# The course tools copy source/<id> from the repository into WORK/source before grading,
# so that grading always uses a frozen copy of the instructor's tests.
c.CourseDirectory.root = str(WORK)
c.CourseDirectory.db_url = os.environ.get("COURSE_DB_URL", f"sqlite:///{WORK / 'gradebook.db'}")
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", str(REPO / ".work" / "exchange"))
c.Exchange.timezone = "UTC"

# Seconds a single cell may run under plain `nbgrader autograde` run from this folder. The course
# tools take it from each manifest's `timeout` instead, and the other limits of a sandboxed run
# from c.SandboxedExecute.<wall_seconds|cpu_seconds|memory_mb|processes|output_mb> (course/limits.py).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Released answer cells read `name = ...  # replace ... with your answer` followed by this stub,
# so a blank notebook still runs top to bottom (docs/AUTHORING.md).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Late work is graded and reported with its lateness; the penalty is the instructor's call.
c.LateSubmissionPlugin.penalty_method = "none"
