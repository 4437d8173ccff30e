"""The purge of expired quotes (storefront.housekeeping): what goes, what stays, in batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from storefront.accounts.models import StaffRole
from storefront.billing.models import Order, OrderStatus
from storefront.catalog.models import Quote
from storefront.catalog.services import new_quote_id
from storefront.extensions import db
from storefront.housekeeping.jobs import purge_expired_quotes
from storefront.partners import workspace
from storefront.stores.models import Store
from storefront.stores.tenancy import all_stores, store_context

NOW = datetime.now(UTC).replace(microsecond=0)


def _quote(store: Store, expired_ago: timedelta, customer_id: int | None = None) -> str:
    """A stored quote (30 minutes valid) whose validity ended ``expired_ago`` before NOW
    (negative: still valid)."""
    expires = NOW - expired_ago
    created = expires - timedelta(minutes=30)
    quote_id = new_quote_id(created)
    db.session.add(
        Quote(
            id=quote_id,
            store_id=store.id,
            customer_id=customer_id,
            session_key=None if customer_id else "visitor-key",
            region_code="cn-north-4",
            billing_mode="monthly",
            period=1,
            currency="CNY",
            total=Decimal("56.00"),
            cost_total=Decimal("40.00"),
            created_at=created,
            expires_at=expires,
            line_data=[],
        )
    )
    db.session.commit()
    return quote_id


def _order(store: Store, customer_id: int, quote_id: str) -> None:
    db.session.add(
        Order(
            store_id=store.id,
            customer_id=customer_id,
            quote_id=quote_id,
            region_code="cn-north-4",
            billing_mode="monthly",
            period=1,
            currency="CNY",
            total=Decimal("56.00"),
            cost_total=Decimal("40.00"),
            status=OrderStatus.ACTIVE,
        )
    )
    db.session.commit()


def _left() -> set[str]:
    with all_stores():
        return set(db.session.scalars(select(Quote.id)))


def test_purge_deletes_old_unreferenced_quotes_of_every_store_and_keeps_the_rest(
    app: Flask,
    default_store: Store,
    make_store: Callable[..., Store],
    make_customer: Callable[..., Any],
    make_staff: Callable[..., Any],
) -> None:
    other = make_store()
    buyer, other_buyer = make_customer(), make_customer(store=other)
    owner = make_staff(role=StaffRole.OWNER)
    with app.test_request_context("/"):
        old = _quote(default_store, timedelta(days=8))
        old_elsewhere = _quote(other, timedelta(days=30))
        fresh = _quote(default_store, -timedelta(minutes=10))
        recently_expired = _quote(default_store, timedelta(days=6, hours=23))
        ordered = _quote(default_store, timedelta(days=8), customer_id=buyer.id)
        _order(default_store, buyer.id, ordered)
        ordered_elsewhere = _quote(other, timedelta(days=8), customer_id=other_buyer.id)
        _order(other, other_buyer.id, ordered_elsewhere)
        in_opportunity = _quote(default_store, timedelta(days=9))
        with store_context(default_store):
            workspace.opportunity_from_quote(owner, in_opportunity)  # staff: quote → opportunity

        # run inside one store's context (as a request would be): the purge still sees all
        with store_context(default_store):
            assert purge_expired_quotes(retention=timedelta(days=7), now=NOW) == 2

        assert _left() == {fresh, recently_expired, ordered, ordered_elsewhere, in_opportunity}
        assert old not in _left() and old_elsewhere not in _left()
        assert purge_expired_quotes(retention=timedelta(days=7), now=NOW) == 0  # idempotent
        # a shorter retention reaches the recently expired one; the referenced ones stay
        assert purge_expired_quotes(retention=timedelta(days=1), now=NOW) == 1
        assert _left() == {fresh, ordered, ordered_elsewhere, in_opportunity}


def test_purge_works_in_batches_each_its_own_transaction(
    app: Flask, default_store: Store, make_customer: Callable[..., Any]
) -> None:
    buyer = make_customer()
    with app.app_context():
        purgeable = {_quote(default_store, timedelta(days=10 + i)) for i in range(7)}
        kept = set()
        for i in range(3):  # referenced quotes among them are walked past, batch after batch
            quote_id = _quote(default_store, timedelta(days=10, hours=i), customer_id=buyer.id)
            _order(default_store, buyer.id, quote_id)
            kept.add(quote_id)
        commits: list[int] = []
        listener = lambda session: commits.append(1)  # noqa: E731
        event.listen(db.session, "after_commit", listener)
        try:
            assert purge_expired_quotes(now=NOW, batch_size=3) == 7
        finally:
            event.remove(db.session, "after_commit", listener)
        assert len(commits) == 3  # 3 + 3 + 1
        assert _left() == kept
        assert not purgeable & _left()


def test_purge_reads_quotes_written_by_the_quote_api(app: Flask, quote: Callable[..., Any]) -> None:
    """The quote API writes its row with a pre-rendered INSERT (not the ORM): the purge's
    comparison on ``expires_at`` must match what that wrote."""
    ecs = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
    answer = quote({"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ecs]})
    assert answer.status_code == 201, answer.get_json()
    quote_id = answer.get_json()["id"]
    with app.app_context():
        written = datetime.now(UTC)
        assert purge_expired_quotes(now=written + timedelta(days=7)) == 0  # expired 6.98 days
        assert quote_id in _left()
        assert purge_expired_quotes(now=written + timedelta(days=7, hours=1)) == 1
        assert quote_id not in _left()


def test_purge_quotes_command_prints_how_many_it_deleted(app: Flask, default_store: Store) -> None:
    with app.app_context():
        _quote(default_store, timedelta(days=10))
        _quote(default_store, timedelta(days=10, hours=1))
        kept = _quote(default_store, timedelta(days=5))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storefront", "purge-quotes"])
    assert result.exit_code == 0, result.output
    assert result.output == "purge-quotes: deleted 2 quote(s) expired more than 7 day(s) ago\n"
    with app.app_context():
        assert _left() == {kept}
    result = runner.invoke(args=["storefront", "purge-quotes", "--older-than-days", "4"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 quote(s) expired more than 4 day(s) ago" in result.output
    result = runner.invoke(args=["storefront", "purge-quotes", "--older-than-days", "0"])
    assert result.exit_code == 2 and "--older-than-days" in result.output
    with app.app_context():
        assert _left() == set()


def test_the_worker_purges_once_a_day(app: Flask, default_store: Store) -> None:
    from storefront.billing import worker
    from storefront.billing.models import Job, JobStatus

    with app.app_context():
        old = _quote(default_store, timedelta(days=8))
        kept = _quote(default_store, timedelta(days=1))
        # later the same UTC day (NOW may be late in the day): no second purge
        next_day = NOW.replace(hour=0, minute=0, second=0) + timedelta(days=1)
        later = min(NOW + timedelta(hours=1), next_day - timedelta(seconds=1))
        worker.schedule_periodic(NOW)
        worker.schedule_periodic(later)
        worker.run_pending(now=later)
        with all_stores():
            purges = db.session.execute(
                select(Job.key, Job.status).where(Job.kind == "purge_quotes")
            ).all()
        day = int(NOW.timestamp()) // 86_400
        assert purges == [(f"purge_quotes:{day}", JobStatus.DONE.value)]
        assert _left() == {kept}
        assert old not in _left()
        worker.schedule_periodic(NOW + timedelta(days=1))
        assert (
            db.session.scalar(
                select(Job.key).where(
                    Job.kind == "purge_quotes", Job.status == JobStatus.QUEUED.value
                )
            )
            == f"purge_quotes:{day + 1}"
        )


def test_finished_periodic_jobs_are_purged_one_off_and_dead_ones_stay(
    app: Flask, default_store: Store
) -> None:
    from storefront.billing import worker
    from storefront.billing.models import Job, JobStatus

    def job(key: str, kind: str, status: JobStatus, finished_days_ago: int | None) -> None:
        finished = None if finished_days_ago is None else NOW - timedelta(days=finished_days_ago)
        db.session.add(
            Job(kind=kind, key=key, status=status.value, run_at=NOW, finished_at=finished)
        )

    with app.app_context():
        job("reconcile:1", "reconcile", JobStatus.DONE, 8)  # a past period's run: goes
        job("reconcile:2", "reconcile", JobStatus.DONE, 6)  # within the week: stays
        job("reconcile:3", "reconcile", JobStatus.DEAD, 30)  # failed for good: staff read it
        job("mail:order_active:1:9", "customer_mail", JobStatus.DONE, 30)  # keeps "once"
        db.session.commit()
        assert "reconcile" in {t.kind for t in worker.registry().periodic()}
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storefront", "purge-jobs"])
    assert result.exit_code == 0, result.output
    assert result.output == "purge-jobs: deleted 1 finished periodic job(s)\n"
    with app.app_context(), all_stores():
        left = set(db.session.scalars(select(Job.key)))
    assert left == {"reconcile:2", "reconcile:3", "mail:order_active:1:9"}
    # a mail queued again for the same event still finds its key: no second mail
    with app.app_context():
        worker.enqueue("customer_mail", "mail:order_active:1:9")
        db.session.commit()
        assert (
            db.session.scalar(select(Job.status).where(Job.key == "mail:order_active:1:9"))
            == JobStatus.DONE.value
        )
