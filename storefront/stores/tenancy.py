"""Central tenant scoping.

Once a request's store is known (``set_current_store``), every ORM ``SELECT`` of a
:class:`StoreScoped` model is filtered to that store, and every new scoped row is stamped
with it. Code that must see all stores (CLI jobs, the distributor) opts out explicitly
with ``select(...).execution_options(all_stores=True)`` or :func:`all_stores`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, has_app_context
from sqlalchemy import BindParameter, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from storefront.extensions import db
from storefront.stores.models import Store, StoreScoped

_ATTR = "_storefront_store_id"
_ATTACHED = "_storefront_store_attached"


def set_current_store(store: Store) -> None:
    g.store = store
    g.pop(_ATTACHED, None)
    setattr(g, _ATTR, store.id)


def request_store() -> Store:
    """The current store for reading its columns (name, currency, colours, settings).

    During a request this is the per-process cached copy (:func:`~storefront.stores.services.
    resolve_store`), attached to no session: reading it costs nothing, but its relationships
    don't load and changes to it are not saved. Use :func:`current_store` for those.
    """
    store: Store | None = g.get("store")
    if store is None:
        raise RuntimeError("no current store: resolve one first")
    return store


def current_store() -> Store:
    """The current store attached to the request's session: relationships load, changes save.

    The cached copy is merged into the session on first use (no query), once per request.
    """
    attached: Store | None = g.get(_ATTACHED)
    if attached is not None:
        return attached
    store = request_store()
    if inspect(store).detached:
        store = db.session.merge(store, load=False)
    setattr(g, _ATTACHED, store)
    return store


def current_store_id() -> int | None:
    if not has_app_context():
        return None
    value: int | None = g.get(_ATTR)
    return value


def in_store(stmt: Any, store_id: int | BindParameter[int]) -> Any:
    """``stmt`` scoped to ``store_id`` instead of the current store.

    For the rare statement that must read another store's rows (a job acting for a store, the
    distributor looking at a reseller): every :class:`StoreScoped` entity in it is filtered to
    that store, exactly as the current store's filter would, so no hand-written ``store_id``
    condition can be forgotten. ``store_id`` may be a ``bindparam`` for a statement built once
    and run with the store's id among its parameters (its own criteria function: SQLAlchemy
    caches a criteria function by its code and the kinds of values it closes over).
    """
    if isinstance(store_id, BindParameter):  # a statement built once: the store bound per call
        return stmt.execution_options(all_stores=True).options(
            with_loader_criteria(
                StoreScoped, lambda cls: cls.store_id == store_id, include_aliases=True
            )
        )
    return stmt.execution_options(all_stores=True).options(
        with_loader_criteria(
            StoreScoped, lambda cls: cls.store_id == store_id, include_aliases=True
        )
    )


def across_stores(stmt: Any) -> Any:
    """``stmt`` over every store's rows: only for CLI commands and background jobs."""
    return stmt.execution_options(all_stores=True)


@contextmanager
def all_stores() -> Iterator[None]:
    """Temporarily lift the store filter (for cross-store work such as CLI jobs)."""
    saved = g.get(_ATTR)
    g.pop(_ATTR, None)
    try:
        yield
    finally:
        if saved is not None:
            setattr(g, _ATTR, saved)


@contextmanager
def store_context(store: Store) -> Iterator[None]:
    """Act as ``store`` outside a request (CLI, worker, tests)."""
    saved_store, saved_id, saved_attached = g.get("store"), g.get(_ATTR), g.get(_ATTACHED)
    set_current_store(store)
    try:
        yield
    finally:
        g.store = saved_store
        if saved_attached is None:
            g.pop(_ATTACHED, None)
        else:
            setattr(g, _ATTACHED, saved_attached)
        if saved_id is None:
            g.pop(_ATTR, None)
        else:
            setattr(g, _ATTR, saved_id)


def _filter_to_store(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("all_stores", False):
        return
    store_id = current_store_id()
    if store_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            StoreScoped,
            lambda cls: cls.store_id == store_id,
            include_aliases=True,
        )
    )


def _stamp_store(session: Session, flush_context: Any, instances: Any) -> None:
    store_id = current_store_id()
    for obj in session.new:
        if isinstance(obj, StoreScoped) and getattr(obj, "store_id", None) is None:
            if store_id is None:
                raise RuntimeError(f"{obj!r} has no store and no store is current")
            obj.store_id = store_id


def install(session_factory: Any) -> None:
    """Attach the scoping listeners to a session class (idempotent)."""
    if not event.contains(session_factory, "do_orm_execute", _filter_to_store):
        event.listen(session_factory, "do_orm_execute", _filter_to_store)
        event.listen(session_factory, "before_flush", _stamp_store)
