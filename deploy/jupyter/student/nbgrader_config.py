"""nbgrader for students on the hub: which course, and where the shared exchange is (set by the hub)."""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "social-design-lab")
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.timezone = "UTC"
# Students are known to nbgrader by their hub names, as on the roster: under The Littlest JupyterHub
# the system user of hub user "ana" is "jupyter-ana", and nbgrader would otherwise record that.
if os.environ.get("JUPYTERHUB_USER"):
    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
