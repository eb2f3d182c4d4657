"""Lets the instructor's JupyterLab show nbgrader's formgrader in its panel under JupyterHub 4.1 and later.

JupyterHub's single-user servers send ``Content-Security-Policy: frame-ancestors 'none'``
on every page, so the formgrader, which JupyterLab shows in an iframe, stays blank
(jupyter/nbgrader#1870). nbgrader's documented workarounds set ``frame-ancestors 'self'``
for the whole server. This server extension relaxes the policy only where it must:

* only on responses to the formgrader's own routes (``<base_url>formgrader...``),
* only when the browser says the page is being loaded into a frame by a page of this
  same server (``Sec-Fetch-Dest: iframe`` and a ``Referer`` under this server's base URL),
* and it is enabled only in the instructor's server (deploy/jupyter/instructor/).

Every other page, and every student's server, keeps JupyterHub's ``frame-ancestors 'none'``.
On a hub that serves all users from one origin, a page on that origin can still frame the
formgrader if it forges its address with history.pushState; per-user subdomains
(``JupyterHub.subdomain_host``) close that too, and are recommended in docs/DEPLOY.md.
"""

from __future__ import annotations

from urllib.parse import urlparse

from tornado.web import OutputTransform

RELAXED = "frame-ancestors 'self'"


def relaxed_policy(policy: str) -> str:
    """``policy`` with its frame-ancestors directive replaced by ``frame-ancestors 'self'``."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    kept = [d for d in directives if not d.lower().startswith("frame-ancestors")]
    return "; ".join([RELAXED, *kept])


def may_frame(path: str, base_url: str, headers) -> bool:
    """Whether a response to ``path`` may be framed: a formgrader page framed by this server's own pages."""
    if not path.startswith(base_url + "formgrader"):
        return False
    if headers.get("Sec-Fetch-Dest", "") != "iframe":
        # a top-level visit, an API call or a script: nothing to relax
        return False
    referer = urlparse(headers.get("Referer", "")).path
    return referer.startswith(base_url)


def make_transform(base_url: str) -> type[OutputTransform]:
    class FormgraderFrames(OutputTransform):
        def __init__(self, request):
            super().__init__(request)
            self._relax = may_frame(request.path, base_url, request.headers)

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if self._relax and "Content-Security-Policy" in headers:
                headers["Content-Security-Policy"] = relaxed_policy(headers["Content-Security-Policy"])
            return status_code, headers, chunk

    return FormgraderFrames


def _jupyter_server_extension_points():
    return [{"module": "formgrader_frames"}]


def _load_jupyter_server_extension(serverapp):
    base_url = serverapp.base_url if serverapp.base_url.endswith("/") else serverapp.base_url + "/"
    serverapp.web_app.add_transform(make_transform(base_url))
    serverapp.log.info("formgrader_frames: frame-ancestors 'self' for %sformgrader framed by this server only", base_url)
