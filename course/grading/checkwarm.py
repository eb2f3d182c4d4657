"""Jupyter Server's sessions, with ``course check``'s sandboxes started as soon as a learner opens a lab.

A first ``course check`` on one CPU spends most of its time starting the checker server and
its two sandboxes, which import pandas, matplotlib and the rest (``checkserver``). A learner
opens the lab long before checking it: so when Jupyter opens a notebook (a new session), this
asks the learner's checker server, in a thread of its own, to start the sandboxes that
notebook's check will use. The check then finds them ready. Nothing is checked or graded here,
and nothing runs with the server's rights but the start of the learner's own checker server.

Turned on in ``deploy/jupyter/student`` and ``deploy/jupyter/self-learner``::

    c.ServerApp.session_manager_class = "course.grading.checkwarm.WarmingSessionManager"

``COURSE_CHECK_SERVER=0`` turns it off, as it turns off the checker server.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from jupyter_server.services.sessions.sessionmanager import SessionManager

from course.errors import CourseError
from course.grading import checkserver
from course.paths import find_root


def warm_quietly(notebook: Path, log=None) -> bool:
    """Pre-load the sandboxes a check of ``notebook`` will use; False (and a debug line) if it cannot be done.

    The course is found as ``course check`` finds it: ``$COURSE_ROOT``, the current folder
    (the Jupyter server's) and its parents, or the folder the package was installed from.
    """
    try:
        warmed = checkserver.warm(notebook, find_root(), keep_alive_pid=os.getpid())  # while Jupyter runs
        if warmed and log is not None:
            log.info("course check: sandboxes pre-loaded for %s", notebook)
        return warmed
    except CourseError as exc:  # not a lab of this course, or no course here: nothing to pre-load
        if log is not None:
            log.debug("course check: nothing pre-loaded for %s: %s", notebook, exc)
    except Exception as exc:  # pre-loading is only a head start: never disturb Jupyter
        if log is not None:
            log.warning("course check: could not pre-load for %s: %s", notebook, exc)
    return False


class WarmingSessionManager(SessionManager):
    """Jupyter Server's session manager; opening a notebook also pre-loads its ``course check`` sandboxes."""

    async def create_session(self, *args, **kwargs):
        model = await super().create_session(*args, **kwargs)
        self.warm_for(model)
        return model

    def warm_for(self, model: dict) -> threading.Thread | None:
        """Start pre-loading for the session ``model``'s notebook in a daemon thread (returned); None if not a notebook."""
        path = str((model or {}).get("path") or "")
        root_dir = getattr(self.contents_manager, "root_dir", None)
        if not path.endswith(".ipynb") or not root_dir:
            return None
        notebook = Path(root_dir) / path
        if not notebook.is_file():
            return None
        thread = threading.Thread(target=warm_quietly, args=(notebook, self.log), name="course-check-warm", daemon=True)
        thread.start()
        return thread
