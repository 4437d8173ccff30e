"""Spec names in the visitor's language: the sync asks the provider in English and in Chinese
(``X-Language``), and every page that names a spec shows the Chinese name to Chinese visitors."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from storefront.accounts.models import StaffRole
from storefront.catalog.models import Spec
from storefront.cloud.interface import ChargeMode
from storefront.extensions import cloud_provider, db
from tests.catalog.test_pages import csrf, login

ZH = {"Accept-Language": "zh-CN"}
EN_NAME = "General computing | s6.large.2 | 2vCPUs | 4GiB | Linux"
ZH_NAME = "通用计算型 | s6.large.2 | 2vCPUs | 4GiB | Linux"


def test_the_provider_answers_in_the_asked_language(app: Any, catalog: Any) -> None:
    with app.app_context():
        ask = {
            "service_type": "hws.service.type.ebs",
            "resource_type": "hws.resource.type.volume",
            "region": "cn-north-4",
            "charge_mode": ChargeMode.PERIOD,
        }
        english = cloud_provider().list_resource_specs(**ask, language="EN_us")  # any case
        chinese = cloud_provider().list_resource_specs(**ask, language="zh_CN")
    assert [s.name for s in english][:2] == ["Common I/O (SATA)", "High I/O (SAS)"]
    assert [s.name for s in chinese][:2] == ["普通IO (SATA)", "高IO (SAS)"]
    assert chinese[0].resource_type_name == "云硬盘"


def test_sync_stores_both_names(app: Any, catalog: Any) -> None:
    with app.app_context():
        spec = db.session.scalar(select(Spec).where(Spec.code == "s6.large.2.linux"))
        assert spec is not None
        assert (spec.name, spec.name_zh) == (EN_NAME, ZH_NAME)
        assert (spec.family, spec.family_zh) == ("General computing", "通用计算型")
        assert (spec.vcpus, str(spec.memory_gib)) == (2, "4.00")
        eip = db.session.scalar(select(Spec).where(Spec.code == "5_bgp"))
        assert eip is not None and eip.name_zh == "全动态BGP弹性公网IP"
        missing = db.session.scalars(select(Spec).where(Spec.name_zh.is_(None))).all()
        assert missing == []


def test_pages_and_api_name_specs_in_the_visitors_language(
    client: Any, catalog: Any, make_staff: Any
) -> None:
    en = client.get("/products/ecs?region=cn-north-4").get_data(as_text=True)
    assert EN_NAME in en and ZH_NAME not in en
    zh = client.get("/products/ecs?region=cn-north-4", headers=ZH).get_data(as_text=True)
    assert ZH_NAME in zh and EN_NAME not in zh
    assert "<td>通用计算型</td>" in zh

    calc = client.get("/calculator?region=cn-north-4", headers=ZH).get_data(as_text=True)
    assert f">{ZH_NAME}</option>" in calc and "普通IO (SATA)</option>" in calc
    form = {"region": "cn-north-4", "ecs_spec": "s6.large.2.linux", "ecs_quantity": "1"}
    priced = client.post("/calculator/price", data=form, headers={**ZH, **csrf(client)}).get_data(
        as_text=True
    )
    assert ZH_NAME in priced
    resp = client.post(
        "/calculator/quote",
        data={**form, "billing_mode": "monthly"},
        headers={**ZH, **csrf(client)},
    )
    quote = client.get(resp.headers["Location"], headers=ZH).get_data(as_text=True)
    assert ZH_NAME in quote
    assert EN_NAME in client.get(resp.headers["Location"]).get_data(as_text=True)

    items = client.get("/api/v1/products", headers=ZH).get_json()["items"]
    ecs = next(p for p in items if p["code"] == "ecs")
    assert any(s["name"] == ZH_NAME for s in ecs["specs"])
    items = client.get("/api/v1/products").get_json()["items"]
    ecs = next(p for p in items if p["code"] == "ecs")
    assert any(s["name"] == EN_NAME for s in ecs["specs"])

    login(client, make_staff(role=StaffRole.OWNER))
    staff = client.get("/staff/pricing?region=cn-north-4", headers=ZH).get_data(as_text=True)
    assert re.search(r"ECS 通用计算型 \| s6\.large\.2", staff)
    assert "华北-北京四" in staff
    assert "<span>弹性云服务器</span>" in staff  # what the store offers, in Chinese too
