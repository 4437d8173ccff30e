"""The mail to a store's owners when one of its webhook endpoints was disabled."""

from __future__ import annotations

import json

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Staff, StaffRole
from storefront.billing.models import Job
from storefront.extensions import db
from storefront.mail import send_template
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store, store_context
from storefront.stores.urls import external_url
from storefront.webhooks.models import WebhookEndpoint

SUBJECT = _l("Webhook endpoint disabled: %(url)s")
BODY = _l(
    "Deliveries to your webhook endpoint %(url)s failed %(count)s times in a row, so it has "
    "been disabled and receives no more events. Fix the receiver, then enable it again and "
    "replay the failed deliveries: %(link)s"
)


def disabled_mail_job(job: Job) -> None:
    endpoint_id = int(json.loads(job.payload)["endpoint_id"])
    store = db.session.get(Store, job.store_id) if job.store_id is not None else None
    if store is None:
        return
    endpoint = db.session.scalar(
        in_store(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id), store.id)
    )
    if endpoint is None:
        return
    owners = db.session.scalars(
        in_store(
            select(Staff).where(Staff.role == StaffRole.OWNER, Staff.is_active.is_(True)),
            store.id,
        )
    )
    locale = store.default_locale or "en"
    with store_context(store), force_locale(locale):
        link = external_url("webhooks.deliveries", endpoint_id=endpoint.id)
        params = {"url": endpoint.url, "count": endpoint.failures, "link": link}
        for owner in owners:
            send_template(
                "customer_event",
                to=owner.email,
                subject=str(SUBJECT) % params,
                locale=locale,
                greeting=_l("Hello %(name)s,", name=owner.name),
                body=str(BODY) % params,
            )
