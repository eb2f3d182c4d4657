"""A student's single-user server: the Assignments tab, no formgrader.

The hub puts this folder on JUPYTER_CONFIG_PATH for everyone who is not an instructor.
"""

import os

c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": True,
}

# Under a hub, JupyterLab's terminals start login shells, whose /etc/profile puts the system's
# programs before the course's environment: start them interactive instead, with the server's
# own environment (the `course` command, COURSE_*), as in a terminal on the instructor's laptop.
c.ServerApp.terminado_settings = {"shell_command": [os.environ.get("SHELL") or "/bin/sh", "-i"]}

# Opening a lab starts `course check`'s pre-loaded sandboxes in the background (course/grading/checkwarm.py),
# so that even the first check takes seconds, not half a minute. COURSE_CHECK_SERVER=0 turns it off.
c.ServerApp.session_manager_class = "course.grading.checkwarm.WarmingSessionManager"

# Markdown files open rendered (Markdown Preview), not in the text editor: a module's GLOSSARY.md beside its
# notebooks is read, not edited (right-click > Open With > Editor still edits). JupyterLab reads this default
# from the overrides.json of its application settings folder, here ../lab-settings/, shared by every role.
c.LabApp.app_settings_dir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lab-settings"))
