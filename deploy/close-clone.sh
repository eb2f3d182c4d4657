#!/bin/sh
# Close a clone of the course repository on a hub server to every user but its owner and group.
#
#   sudo sh deploy/close-clone.sh /srv/social-design-lab [ENTRY ...]
#
# Students' servers read only deploy/ of this clone (the per-role Jupyter configuration the hub
# points them at), so deploy/ is opened and everything else at the clone's top (source/ with the
# solutions and hidden tests, tests/, .git, .work/, assignments/, ...) loses all rights for
# others. The clone itself keeps only "search" for others: they can reach deploy/ but not list
# the clone. Top-level ENTRYs named after the clone are left as they are. Run it again after
# every `git pull` (a new top-level folder would be open). Check, as a student:
#   sudo -u <student> cat /srv/social-design-lab/source/*/*.ipynb   -> Permission denied
set -eu
if [ $# -lt 1 ]; then
    echo "usage: sudo sh deploy/close-clone.sh /srv/social-design-lab [ENTRY ...] (the clone's folder, then entries to leave as they are)" >&2
    exit 2
fi
clone=$1
shift
if [ ! -f "$clone/deploy/jupyterhub/jupyterhub_config.py" ]; then
    echo "close-clone: $clone is not a clone of the course repository (no deploy/jupyterhub/jupyterhub_config.py): give the clone's folder" >&2
    exit 1
fi
chmod o=x "$clone"
for entry in "$clone"/* "$clone"/.[!.]* "$clone"/..?*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    name=${entry##*/}
    keep=no
    for k in "$@"; do
        if [ "$name" = "$k" ]; then keep=yes; fi
    done
    if [ "$keep" = yes ]; then
        continue
    elif [ "$name" = deploy ]; then
        chmod -R o+rX "$entry"
    elif [ -L "$entry" ]; then
        echo "close-clone: $entry is a symbolic link, left as it is: remove it, or close what it points to" >&2
    else
        chmod o-rwx "$entry"
    fi
done
echo "closed $clone to other users except deploy/${*:+ and $*}"
