"""JupyterHub for the Social Design Lab course on one machine: plain JupyterHub, or The Littlest JupyterHub.

Plain JupyterHub (as root, with the course environment's Python; docs/DEPLOY.md "One machine"):

    COURSE_INSTRUCTORS=yamada /opt/course/bin/jupyterhub -f /srv/social-design-lab/deploy/jupyterhub/jupyterhub_config.py

Users log in with their system account and password (PAM). The Littlest JupyterHub: put a file
/opt/tljh/config/jupyterhub_config.d/course.py holding
`load_subconfig("/srv/social-design-lab/deploy/jupyterhub/jupyterhub_config.py")` and run
`sudo tljh-config reload hub`; TLJH keeps its own authenticator, user lists, spawner (which
enforces the limits below) and idle culler, and this file adds the course to them.

Set by environment (all optional):

    COURSE_ID           nbgrader course id                          (social-design-lab)
    COURSE_EXCHANGE     the shared nbgrader exchange folder         (/srv/nbgrader/exchange)
    COURSE_INSTRUCTORS  hub user names of the instructors, comma-separated (none)
    COURSE_STUDENTS     hub user names allowed in, comma-separated  (none: add them in the admin panel)
    COURSE_REPO_NAME    the folder of the course repository in an instructor's home (social-design-lab)
    COURSE_LANG         the class's language: ja releases the Japanese notebooks (course release --to-exchange)
                        and makes check(), hint() and course check speak Japanese              (English)

Instructors get nbgrader's formgrader, shown in JupyterLab's panel (deploy/jupyter/instructor/);
students get the Assignments tab and nothing else of nbgrader's (deploy/jupyter/student/).
"""

import os
import pwd
import stat
import sys
from pathlib import Path

c = get_config()  # noqa: F821

#: deploy/ of the course repository: the per-role Jupyter configuration is read from there.
DEPLOY = Path(os.environ.get("COURSE_DEPLOY", Path(__file__).resolve().parents[1]))
#: The Littlest JupyterHub loaded this file from its jupyterhub_config.d/, after its own configuration
#: (tljh/jupyterhub_config.py, which imports the tljh package). TLJH brings its own authenticator, user
#: lists, spawner (with limits) and idle culler, and this file only adds to them. traitlets gives a file
#: loaded with load_subconfig an empty `c` and merges it afterwards, so TLJH's values cannot be seen here.
TLJH = "tljh" in sys.modules
COURSE_ID = os.environ.get("COURSE_ID", "social-design-lab")
EXCHANGE = Path(os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange"))
LANG = os.environ.get("COURSE_LANG", "").strip()
INSTRUCTORS = {n.strip() for n in os.environ.get("COURSE_INSTRUCTORS", "").split(",") if n.strip()}
STUDENTS = {n.strip() for n in os.environ.get("COURSE_STUDENTS", "").split(",") if n.strip()}
REPO_NAME = os.environ.get("COURSE_REPO_NAME", "social-design-lab")

#: The budget every notebook is checked against (make benchmark): under 60 s on one core, under 1 GB.
#: A student gets that core and that memory for the kernel, plus room for the server and a second kernel.
STUDENT_LIMITS = {"cpu_limit": 1.0, "cpu_guarantee": 0.5, "mem_limit": "2G", "mem_guarantee": "1G"}
#: The instructor grades (course grade runs one sandboxed notebook per core) and runs the formgrader.
INSTRUCTOR_LIMITS = {"cpu_limit": 2.0, "cpu_guarantee": 1.0, "mem_limit": "4G", "mem_guarantee": "2G"}

# -- who may log in ------------------------------------------------------------
if not TLJH:
    # Said explicitly: system accounts and their passwords, never JupyterHub's dummy authenticator.
    c.JupyterHub.authenticator_class = "pam"
# Added to the lists already configured (TLJH's `tljh-config add-item users.allowed`), never replacing them.
c.Authenticator.admin_users.update(INSTRUCTORS)
c.Authenticator.allowed_users.update(INSTRUCTORS | STUDENTS)
if not TLJH:
    # A student added in the admin panel becomes a system user with a home of their own
    # (plain JupyterHub with PAM; TLJH makes its users itself).
    c.LocalAuthenticator.create_system_users = True
c.JupyterHub.load_groups.update({"instructors": {"users": sorted(INSTRUCTORS)}})

# -- the single-user servers ---------------------------------------------------
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# every notebook runs in under 60 s; an idle server is stopped by the hub's culler below
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120

try:  # plain JupyterHub: systemd enforces the CPU and memory limits (pip install jupyterhub-systemdspawner)
    import systemdspawner  # noqa: F401

    if not TLJH:
        c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
        c.SystemdSpawner.dynamic_users = False
        c.SystemdSpawner.isolate_tmp = True
        c.SystemdSpawner.disable_user_sudo = True
except ImportError:
    pass  # LocalProcessSpawner: limits are recorded but not enforced (docs/DEPLOY.md)


def is_instructor(user) -> bool:
    return user.name in INSTRUCTORS or any(g.name == "instructors" for g in user.groups)


def system_user(spawner) -> str:
    """The system user a local spawner runs ``spawner``'s server as.

    TLJH runs hub user ``ana`` as ``jupyter-ana`` (its UserCreatingSpawner, from
    ``SystemdSpawner.username_template``), hashing names too long for a system account;
    plain JupyterHub runs her as ``ana``. This hook runs before the spawner starts, so
    ``unix_username`` may not be set yet, and TLJH may not have created the account yet.
    """
    if getattr(spawner, "unix_username", None):
        return spawner.unix_username
    name = spawner.user.name
    if not TLJH:
        return name
    try:
        from tljh.normalize import generate_system_username  # the hub environment of TLJH has it
    except ImportError:
        return "jupyter-" + name
    return generate_system_username("jupyter-" + name)


def system_home(spawner) -> Path:
    """The home folder of that system user (``/home/<user>``, where TLJH's useradd will make it)."""
    name = system_user(spawner)
    try:
        return Path(pwd.getpwnam(name).pw_dir)
    except KeyError:
        return Path("/home") / name


def course_environment(spawner) -> None:
    """Give each server its role: nbgrader's configuration, the exchange, the limits.

    Also closes each home folder to other users: students' work and fetched feedback
    live there, and no student may read another's.
    """
    instructor = is_instructor(spawner.user)
    role = "instructor" if instructor else "student"
    home = system_home(spawner)
    spawner.environment.update({
        "COURSE_ID": COURSE_ID,
        "COURSE_EXCHANGE": str(EXCHANGE),
        "COURSE_ROLE": role,
        "JUPYTER_CONFIG_PATH": str(DEPLOY / "jupyter" / role),
    })
    if LANG:
        spawner.environment["COURSE_LANG"] = LANG  # course.i18n; and `course release --to-exchange`'s language
    if instructor:
        # the instructor's own clone of the course repository, in their private home
        spawner.environment["COURSE_ROOT"] = str(home / REPO_NAME)
    for key, value in (INSTRUCTOR_LIMITS if instructor else STUDENT_LIMITS).items():
        setattr(spawner, key, value)
    if home.is_dir() and os.geteuid() == 0:
        mode = stat.S_IMODE(home.stat().st_mode)
        if mode & 0o077:
            home.chmod(0o700)


c.Spawner.pre_spawn_hook = course_environment


def make_exchange() -> None:
    """The exchange root must exist and be writable by all: nbgrader's own permissions protect what is in it."""
    if os.geteuid() != 0:
        return
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    EXCHANGE.chmod(0o777)


make_exchange()

# -- housekeeping --------------------------------------------------------------
# Stop servers idle for an hour: a class of 60 fits one machine only if idle kernels go.
# TLJH runs its own culler (tljh-config set services.cull.timeout 3600).
if not TLJH:
    try:
        import jupyterhub_idle_culler  # noqa: F401  (pip install jupyterhub-idle-culler, in the hub's environment)
    except ImportError:
        print("jupyterhub_config.py: jupyterhub-idle-culler is not installed in the hub's environment, so idle "
              f"servers are never stopped: {sys.executable} -m pip install jupyterhub-idle-culler", file=sys.stderr)
    else:
        # the hub's own Python: the one that has the culler, whatever python3 is on PATH
        c.JupyterHub.services.append({"name": "idle-culler",
                                      "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"]})
        c.JupyterHub.load_roles.append({"name": "idle-culler", "services": ["idle-culler"],
                                        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]})
