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
