"""nbgrader for the instructor on the hub: the course repository's own nbgrader_config.py.

The instructor keeps a clone of the course repository; the hub sets COURSE_ROOT to it, and
COURSE_ID, COURSE_EXCHANGE (the shared exchange) for everyone. The repository's config reads
them, and puts the gradebook and nbgrader's course folder in <COURSE_ROOT>/.work/course.
"""

import os

c = get_config()  # noqa: F821

_repo_config = os.path.join(os.environ.get("COURSE_ROOT", os.path.expanduser("~/social-design-lab")), "nbgrader_config.py")
if os.path.isfile(_repo_config):
    load_subconfig(_repo_config)  # noqa: F821
else:
    c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "social-design-lab")
    c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")

# Feedback made in the formgrader shows no hidden test, nor a traceback quoting one (plain nbgrader's
# generate_feedback keeps both; `course feedback` and `course grade` already strip them).
_feedback = list(c.GenerateFeedback.get("preprocessors") or [])
if not _feedback:
    from nbgrader.converters import GenerateFeedback

    _feedback = list(GenerateFeedback.class_traits()["preprocessors"].default())
# It also says at the top how many points are still to be graded by hand, so a pending 0 never reads as final.
_names = {f"{s.__module__}.{s.__name__}" for s in _feedback if isinstance(s, type)}
if "course.grading.steps.StripHiddenTests" not in _names or "course.grading.steps.PendingHandGrading" not in _names:
    from course.grading.steps import PendingHandGrading, StripHiddenTests

    _feedback = [s for s in _feedback if s not in (StripHiddenTests, PendingHandGrading)]
    c.GenerateFeedback.preprocessors = [StripHiddenTests, *_feedback, PendingHandGrading]
