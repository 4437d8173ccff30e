"""Static files are linked by their content's fingerprint and, so linked, kept by browsers."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask

YEAR = "max-age=31536000"


def _linked(html: str) -> dict[str, str]:
    """The page's static files: path under /static/ -> the ``v`` its link carries ("" if none)."""
    found = re.findall(r'(?:href|src)="/static/([^"?]+)(?:\?v=([0-9a-f]+))?"', html)
    return dict(found)


def _digest(app: Flask, filename: str) -> str:
    return hashlib.sha256((Path(app.static_folder or "") / filename).read_bytes()).hexdigest()


def test_the_layout_links_each_static_file_by_its_content(
    app: Flask, client: Any, catalog: Any
) -> None:
    linked = _linked(client.get("/products").get_data(as_text=True))
    assert {"css/storefront.css", "js/storefront.js", "vendor/htmx/htmx.min.js"} <= set(linked)
    for filename, version in linked.items():
        assert version == _digest(app, filename)[:12], filename
        served = client.get(f"/static/{filename}?v={version}")
        assert served.status_code == 200
        assert served.data == (Path(app.static_folder or "") / filename).read_bytes()
        control = served.headers["Cache-Control"]
        assert YEAR in control and "immutable" in control and "public" in control, filename
        served.close()


def test_without_the_current_fingerprint_a_file_is_revalidated(
    app: Flask, client: Any, default_store: Any
) -> None:
    for url in ("/static/css/storefront.css", "/static/css/storefront.css?v=000000000000"):
        served = client.get(url)
        assert served.status_code == 200
        assert "immutable" not in served.headers.get("Cache-Control", ""), url
        assert YEAR not in served.headers.get("Cache-Control", ""), url
        etag = served.headers["ETag"]
        served.close()
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url  # the browser asks again and is told "unchanged"


def test_a_missing_file_is_still_not_found(client: Any, default_store: Any) -> None:
    assert client.get("/static/css/nothing-here.css?v=0123456789ab").status_code == 404


def test_in_debug_mode_links_carry_no_fingerprint(make_app: Any, catalog: Any) -> None:
    debug_app = make_app()
    debug_app.debug = True  # files change while the development server runs
    linked = _linked(debug_app.test_client().get("/products").get_data(as_text=True))
    assert "css/storefront.css" in linked
    assert set(linked.values()) == {""}
