"""nbgrader for students on the hub: which course, and where the shared exchange is (set by the hub)."""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "social-design-lab")
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.timezone = "UTC"
