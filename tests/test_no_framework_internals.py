"""The code uses Flask, Werkzeug, Flask-Login, Flask-Limiter and Flask-Babel through their public
API only, so upgrading them means reading their changelogs, not their source.

A scan of ``storefront/`` for the private pieces the code once reached for (and their kin);
it fails listing each offending line.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"

PRIVATE = {
    "Flask-Limiter's name-mangled methods": r"_Limiter__\w+",
    "Flask-Limiter's per-request state": r"_limiter_request_context",
    "Flask-Limiter's manager internals": r"\._(?:application|default|blueprint|decorated)_limits"
    r"|\._meta_limits|\._marked_for_limiting|\._check_request_limit",
    "Flask's request context internals": r"\brequest_ctx\b|\bapp_ctx\b|\b_cv_request\b",
    "Werkzeug's proxy internals": r"_get_current_object",
    "Flask's JSON provider internals": r"_prepare_response_obj|\b_app\b",
    "Flask's per-call sync wrapper": r"\bensure_sync\b",
    "a subclass of Flask": r"class\s+\w+\((?:flask\.)?Flask\)",
    "Flask's private globals": r"from flask\.globals import|flask\.globals\.",
    "Flask-Login's private helpers": r"_update_remember_cookie|_login_user\b|\b_get_user\b"
    r"|flask_login\.utils\._",
    "Flask-Babel's private state": r"babel_locale\b|babel_translations\b|_get_current_context",
    "Werkzeug's private modules": r"werkzeug\.(?:\w+\.)*_\w+",
}
PATTERN = re.compile("|".join(f"(?P<g{i}>{p})" for i, p in enumerate(PRIVATE.values())))
LABELS = list(PRIVATE)


def offenders(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = PATTERN.search(line)
            if match is not None and match.lastgroup is not None:
                label = LABELS[int(match.lastgroup[1:])]
                where = path.relative_to(root.parent)
                found.append(f"{where}:{number}: {label}: {line.strip()}")
    return found


def test_no_private_attributes_of_the_web_framework() -> None:
    found = offenders()
    assert not found, "private framework attributes in storefront/:\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """Each pattern catches the code it was written against (so the scan can fail)."""
    package = tmp_path / "storefront"
    package.mkdir()
    samples = [
        "hooks = getattr(flask_limiter.Limiter, '_Limiter__inject_headers', None)",
        "held = getattr(request_ctx._get_current_object(), '_session', None)",
        "if not hasattr(request_ctx, '_limiter_request_context'):",
        "if manager._default_limits or self._meta_limits:",
        "encoded = self._encode(self._prepare_response_obj(args, kwargs))",
        "response = self._app.response_class(body)",
        "def ensure_sync(self, func):",
        "class StorefrontFlask(Flask):",
        "from flask.globals import request_ctx",
        "user = current_user._get_current_object()",
    ]
    (package / "sample.py").write_text("\n".join(samples) + "\n", encoding="utf-8")
    found = offenders(package)
    assert [line.split(":", 2)[1] for line in found] == [str(n) for n in range(1, 11)]
