"""A self-learner's JupyterLab (make lab, Binder): a student's view with no course exchange, so none of nbgrader's tools.

`make lab` and binder/start put this folder first on JUPYTER_CONFIG_PATH. A self-learner has no
hub and no exchange, so nbgrader's Assignments tab (which would fail on a missing exchange),
its Validate button, the formgrader and "Create Assignment" are all off: `course check` and
`check("q1")` in the notebook are how a self-learner checks their work.
"""

import os

c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
}

# JupyterLab's terminals start login shells, whose /etc/profile can put the system's programs
# before the course's environment: start them interactive instead, with the server's own
# environment, so that `course check ...` works as the notebooks write it.
c.ServerApp.terminado_settings = {"shell_command": [os.environ.get("SHELL") or "/bin/sh", "-i"]}

# Opening a lab starts `course check`'s pre-loaded sandboxes in the background (course/grading/checkwarm.py),
# so that even the first check takes seconds, not half a minute. COURSE_CHECK_SERVER=0 turns it off.
c.ServerApp.session_manager_class = "course.grading.checkwarm.WarmingSessionManager"

# Markdown files open rendered (Markdown Preview), not in the text editor: a module's GLOSSARY.md beside its
# notebooks is read, not edited (right-click > Open With > Editor still edits). JupyterLab reads this default
# from the overrides.json of its application settings folder, here ../lab-settings/, shared by every role.
c.LabApp.app_settings_dir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lab-settings"))
