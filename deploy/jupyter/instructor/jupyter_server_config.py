"""The instructor's single-user server: nbgrader's formgrader, viewable in JupyterLab's panel under JupyterHub.

The hub puts this folder on JUPYTER_CONFIG_PATH for instructors only (deploy/jupyterhub/jupyterhub_config.py).
"""

import os
import sys

c = get_config()  # noqa: F821

# formgrader_frames.py lies beside this file; it relaxes frame-ancestors for the formgrader's routes only.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
c.ServerApp.jpserver_extensions = {
    "formgrader_frames": True,
    "nbgrader.server_extensions.formgrader": True,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.course_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
}

# Under a hub, JupyterLab's terminals start login shells, whose /etc/profile puts the system's
# programs before the course's environment: start them interactive instead, with the server's
# own environment (the `course` command, COURSE_*), as in a terminal on the instructor's laptop.
c.ServerApp.terminado_settings = {"shell_command": [os.environ.get("SHELL") or "/bin/sh", "-i"]}

# Markdown files open rendered (Markdown Preview), not in the text editor: a module's GLOSSARY.md beside its
# notebooks is read, not edited (right-click > Open With > Editor still edits). JupyterLab reads this default
# from the overrides.json of its application settings folder, here ../lab-settings/, shared by every role.
c.LabApp.app_settings_dir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lab-settings"))
