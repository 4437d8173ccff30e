"""Static files whose URL names their content, so browsers keep them instead of asking again.

The layout links its stylesheets and scripts through :func:`storefront.navigation.fixed_url`,
which adds ``v=<fingerprint>`` (the first 12 hex digits of the file's SHA-256) to a static
file's URL. A request for a static file carrying its current fingerprint is answered
``Cache-Control: public, max-age=31536000, immutable``: a browser that has the file uses it
on every later page without a request (before, each page load revalidated all six or seven
files, one round trip each, answered ``304``). A new content is a new URL, so a deployment
never serves yesterday's script from a browser's cache.

A request without ``v``, or with one that is not the file's current fingerprint (an old page
still open during a deployment), gets Flask's default: served, revalidated next time.

In debug mode (`flask run --debug`, where files change while the server runs) URLs carry
no fingerprint, so an edited stylesheet shows on the next reload.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, request
from flask.wrappers import Response
from werkzeug.security import safe_join

_FINGERPRINTS = "storefront.asset_fingerprints"
FOREVER_S = 365 * 24 * 3600
PARAM = "v"


def fingerprint(filename: str) -> str | None:
    """The static file's fingerprint, read once per app; ``None`` when there is no such file
    (or in debug mode)."""
    app = current_app
    if app.debug:
        return None
    kept: dict[str, str | None] = app.extensions[_FINGERPRINTS]
    if filename in kept:
        return kept[filename]
    path = safe_join(app.static_folder or "", filename)
    found = None
    if path is not None and Path(path).is_file():
        found = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    kept[filename] = found
    return found


def keep_forever(response: Response) -> Response:
    """The after-request hook: a fingerprinted static file's answer may be kept a year."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    asked = request.args.get(PARAM)
    filename = (request.view_args or {}).get("filename")
    if asked and filename and asked == fingerprint(filename):
        control = response.cache_control
        control.no_cache = None
        control.public = True
        control.max_age = FOREVER_S
        control.immutable = True
    return response


def register(app: Flask) -> None:
    app.extensions[_FINGERPRINTS] = {}
    app.after_request(keep_forever)
