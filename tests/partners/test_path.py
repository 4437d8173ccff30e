"""The development path page: the provider's published figures with their source, progress from
certified staff, figures the material did not give said so, and the operator's own file."""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from storefront.accounts.models import StaffRole
from storefront.extensions import db
from storefront.partners.models import Certification


def _certify(app: Flask, staff: Any, kind: str) -> None:
    with app.app_context():
        db.session.add(
            Certification(
                store_id=staff.store_id,
                staff_id=staff.id,
                kind=kind,
                number=f"N-{staff.id}-{kind}",
                issued_on=date(2025, 1, 1),
                created_at=datetime.now(UTC),
            )
        )
        db.session.commit()


def test_published_figures_with_source_and_progress(
    app: Flask, make_staff: Any, login: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    _certify(app, owner, "HCIE")  # counts for the SI path (HCIE-Cloud stands for HCCDE)
    _certify(app, make_staff(role=StaffRole.FINANCE), "PMP")
    _certify(app, make_staff(role=StaffRole.SUPPORT), "HCIA")  # not counted
    page = html.unescape(login(owner).get("/admin/partners/path").get_data(as_text=True))
    assert "as published by the provider" in page and "read on 2026-11-25" in page
    assert "Digital transformation consulting and system integration" in page
    assert "10 people with HCCDP / HCCDE / HCIE / PMP or higher" in page
    assert "2 / 10" in page
    assert "number not published" in page  # role certification: no figure in the material
    zh = login(owner).get("/admin/partners/path", headers={"Accept-Language": "zh-CN"})
    assert "数字化转型咨询与系统集成" in zh.get_data(as_text=True)


def test_operator_file_replaces_the_table(app: Flask, make_staff: Any, login: Any) -> None:
    folder = Path(app.config["SETTINGS"].instance_path) / "partners"
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "development_paths.json"
    file.write_text(
        json.dumps(
            {
                "custom": {
                    "label": "Our own path",
                    "stages": [
                        {
                            "label": "Stage one",
                            "requirements": [{"kind": "people", "count": 3, "certs": ["HCIP"]}],
                        }
                    ],
                }
            }
        ),
        encoding="utf-8",
    )
    try:
        owner = make_staff(role=StaffRole.OWNER)
        _certify(app, owner, "HCIE")  # HCIE counts towards HCIP
        page = html.unescape(login(owner).get("/admin/partners/path").get_data(as_text=True))
        assert "your platform's own figures" in page
        assert "Our own path" in page and "1 / 3" in page
    finally:
        file.unlink()
