"""The shared gradebook for instructors' servers only: COURSE_DB_URL from the hub's environment.

Load it after the course's configuration (jupyterhub_config.py; on Kubernetes, paste this file
into an extraConfig entry after `course-roles` in values.yaml): it wraps the course's spawn hook, and gives the
gradebook's URL (and so its password) to the servers the course hook made instructors'
(COURSE_ROLE=instructor), never to a student's. docs/DEPLOY.md, "A shared gradebook", has the recipe.
"""

import os

# A traitlets config file has `c`; so has Zero to JupyterHub's extraConfig, whose get_config is another function.
c = globals().get("c") or get_config()  # noqa: F821

GRADEBOOK_URL = os.environ.get("COURSE_DB_URL", "")


def _with_gradebook(course_hook):
    def hook(spawner):
        result = course_hook(spawner) if course_hook else None
        if spawner.environment.get("COURSE_ROLE") == "instructor":
            spawner.environment["COURSE_DB_URL"] = GRADEBOOK_URL
        else:
            spawner.environment.pop("COURSE_DB_URL", None)
        return result

    return hook


if GRADEBOOK_URL:
    for section in ("Spawner", "KubeSpawner"):
        if section == "Spawner" or "pre_spawn_hook" in c[section]:
            c[section].pre_spawn_hook = _with_gradebook(c[section].get("pre_spawn_hook"))
