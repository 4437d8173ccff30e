"""Pages: freeze banner and can_buy, view-as, audit CSV, staff management, branding."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from storefront.accounts import services as accounts
from storefront.accounts.models import Customer, CustomerStatus, Staff, StaffRole
from storefront.backoffice import audit
from storefront.backoffice.models import AuditEntry, ViewAsGrant
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html
    )
    assert found, html[:500]
    return found.group(1)


def test_freeze_blocks_buying_and_the_customer_sees_why(
    app: Any, make_staff: Any, make_customer: Any, login: Any
) -> None:
    customer = make_customer()
    staff_client = login(make_staff())
    token = csrf(staff_client, f"/admin/customers/{customer.id}")
    resp = staff_client.post(
        f"/admin/customers/{customer.id}/freeze",
        data={"csrf_token": token, "freeze-reason": "Unpaid invoice 42", "freeze-mode": "ACCOUNT"},
    )
    assert resp.status_code == 302
    with app.app_context():
        frozen = db.session.get(Customer, customer.id)
        assert frozen is not None and frozen.status == CustomerStatus.FROZEN
        frozen.realname_status = "verified"  # even a verified customer cannot buy
        assert not accounts.can_buy(frozen)
    page = login(customer).get("/account").get_data(as_text=True)
    assert 'id="frozen-banner"' in page and "Unpaid invoice 42" in page
    assert "Your account was frozen" in page  # in the staff-actions section
    # staff viewing the frozen customer see the customer's state, not a banner of their own
    token = csrf(staff_client, f"/admin/customers/{customer.id}")
    view = staff_client.post(
        f"/admin/customers/{customer.id}/view-as",
        data={"csrf_token": token, "viewas-reason": "Ticket 9: why frozen"},
    )
    seen = staff_client.get(view.headers["Location"]).get_data(as_text=True)
    assert "This account is frozen: Unpaid invoice 42" in seen and 'id="frozen-banner"' not in seen
    # no reason -> refused, nothing changes
    token = csrf(staff_client, f"/admin/customers/{customer.id}")
    resp = staff_client.post(
        f"/admin/customers/{customer.id}/unfreeze",
        data={"csrf_token": token, "unfreeze-reason": ""},
    )
    assert resp.status_code == 422


def test_view_as_is_read_only_time_limited_and_visible_to_the_customer(
    app: Any, make_staff: Any, make_customer: Any, login: Any
) -> None:
    customer = make_customer(name="Viewed Person")
    staff = make_staff(name="Sam Support")
    client = login(staff)
    token = csrf(client, f"/admin/customers/{customer.id}")
    no_reason = client.post(
        f"/admin/customers/{customer.id}/view-as", data={"csrf_token": token, "viewas-reason": ""}
    )
    assert no_reason.status_code == 422
    resp = client.post(
        f"/admin/customers/{customer.id}/view-as",
        data={"csrf_token": token, "viewas-reason": "Ticket 7: cannot see balance"},
    )
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="view-as-banner"' in html and "Viewed Person" in html
    assert "<form" not in html.split('id="main"')[1].split("</main>")[0]  # read-only
    # the staff member is still staff: no customer session was created
    assert client.get("/account").status_code in (200, 302)
    with app.app_context():
        grant = db.session.scalars(db.select(ViewAsGrant).execution_options(all_stores=True)).one()
        grant.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert client.get(resp.headers["Location"]).status_code == 410
    mine = login(customer).get("/account").get_data(as_text=True)
    assert "Sam Support viewed your account" in mine and "Ticket 7" in mine
    other = make_staff()
    assert login(other).get(resp.headers["Location"]).status_code == 404  # not their grant


def test_audit_is_append_only_filterable_and_exports_csv(
    app: Any, make_staff: Any, make_customer: Any, login: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    customer = make_customer()
    with app.app_context():
        store = db.session.get(Store, owner.store_id)
        staff = db.session.get(Staff, owner.id)
        c = db.session.get(Customer, customer.id)
        with store_context(store):  # type: ignore[arg-type]
            audit.record(staff, "customer.note", c, {"text": '=HYPERLINK("x")'}, "127.0.0.1")
            audit.record(staff, "staff.role", staff, {}, None)
            db.session.commit()
            entry = db.session.scalars(db.select(AuditEntry)).first()
            assert entry is not None
            entry.action = "tampered"
            try:
                db.session.commit()
                raise AssertionError("audit entries must not be updated")
            except RuntimeError:
                db.session.rollback()
    client = login(owner)
    html = client.get("/admin/audit?action=customer.").get_data(as_text=True)
    assert "customer.note" in html and "staff.role" not in html
    resp = client.get("/admin/audit.csv?action=customer.")
    assert resp.status_code == 200 and resp.mimetype == "text/csv" and resp.is_streamed
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:5] == ["id", "time", "actor", "actor_label", "action"]
    assert [r[4] for r in rows[1:]] == ["customer.note"]
    assert rows[1][-1].startswith("'") or not rows[1][-1].startswith("=")
    support = login(make_staff(role=StaffRole.SUPPORT))
    assert support.get("/admin/audit.csv").status_code == 403


def test_owner_manages_staff_and_cannot_remove_the_last_owner(
    app: Any, make_staff: Any, login: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    client = login(owner)
    token = csrf(client, "/admin/staff")
    resp = client.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "new-email": "New.Person@example.com",
            "new-name": "New Person",
            "new-role": "finance",
            "new-password": "a-long-passw0rd",
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        new = db.session.scalars(
            db.select(Staff).where(Staff.email == "new.person@example.com")
        ).one()
        assert new.role == StaffRole.FINANCE
        new_id = new.id
    client.post(f"/admin/staff/{new_id}/role", data={"csrf_token": token, "role": "support"})
    client.post(f"/admin/staff/{new_id}/active", data={"csrf_token": token, "active": "0"})
    client.post(f"/admin/staff/{owner.id}/role", data={"csrf_token": token, "role": "support"})
    with app.app_context():
        new = db.session.get(Staff, new_id)
        me = db.session.get(Staff, owner.id)
        assert new is not None and new.role == StaffRole.SUPPORT and not new.is_active
        assert me is not None and me.role == StaffRole.OWNER  # last owner stays owner
    client.post("/admin/security", data={"csrf_token": token, "staff_2fa_required": "y"})
    with app.app_context():
        assert accounts.staff_2fa_required(owner.store_id)
    # the owner has no 2FA yet: the back office now sends them to enrol
    assert "/account/2fa" in client.get("/admin/").headers["Location"]


def test_branding_upload_contrast_terms_and_domains(
    app: Any, make_staff: Any, login: Any, default_store: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    client = login(owner)
    token = csrf(client, "/admin/branding")
    form = {
        "csrf_token": token,
        "b-name": "Cloud Shop",
        "b-primary_color": "#ffff00",  # yellow: white text unreadable
        "b-secondary_color": "#1f2937",
        "b-default_locale": "en",
        "b-footer_text": "Made by {{ store.name }}",
        "b-terms_partner_association_terms": "https://shop.example.com/partner-terms",
    }
    resp = client.post("/admin/branding", data=form)
    assert resp.status_code == 422 and "WCAG" in resp.get_data(as_text=True)
    form["b-primary_color"] = "#0b5394"
    assert client.post("/admin/branding", data=form).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Cloud Shop" in home and "#0b5394" in home and "Made by Cloud Shop" in home
    register = app.test_client().get("/register").get_data(as_text=True)
    assert "https://shop.example.com/partner-terms" in register
    # uploads: sniffed, capped, served from a route
    bad = client.post(
        "/admin/branding/logo",
        data={"csrf_token": token, "file": (io.BytesIO(b"<svg onload=alert(1)>"), "x.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 302
    app.config["BACKOFFICE_MAX_IMAGE_BYTES"] = 1000  # the cap (512 KB by default)
    big = client.post(
        "/admin/branding/logo",
        data={"csrf_token": token, "file": (io.BytesIO(PNG + b"0" * 2000), "x.png")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 302
    with app.app_context():
        assert db.session.get(Store, default_store.id).logo_path is None  # type: ignore[union-attr]
    client.post(
        "/admin/branding/logo",
        data={"csrf_token": token, "file": (io.BytesIO(PNG), "logo.png")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        logo = db.session.get(Store, default_store.id).logo_path  # type: ignore[union-attr]
    assert logo and logo.startswith("/branding/logo-")
    served = app.test_client().get(logo)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == PNG
    served.close()
    assert app.test_client().get("/branding/../../etc/passwd").status_code == 404
    client.post("/admin/branding/domains", data={"csrf_token": token, "host": "shop.example.com"})
    assert "Cloud Shop" in app.test_client().get(
        "/", headers={"Host": "shop.example.com"}
    ).get_data(as_text=True)
