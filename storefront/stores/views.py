"""Per-request store resolution and the branding the layout needs."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from storefront.accounts.models import Staff
from storefront.backoffice.branding import MIME, asset_file
from storefront.stores.hosts import is_trusted, normalise_host, unknown_host_response
from storefront.stores.services import install_cache_invalidation, resolve_store
from storefront.stores.tenancy import current_store, set_current_store

bp = Blueprint("stores", __name__)


def _resolve_request_store() -> ResponseReturnValue | None:
    """The request's store from its Host; ``400 unknown_host`` for a Host that names none."""
    if request.endpoint == "healthz":  # any valid Host: load balancers probe by address
        return None
    store = resolve_store(request.host)
    if store is None:
        if is_trusted(normalise_host(request.host), current_app.config["SETTINGS"]):
            abort(503, description="No store is configured yet: run `flask storefront init`.")
        return unknown_host_response()
    if request.endpoint != "static":
        set_current_store(store)
    return None


@bp.get("/branding/<name>")
def branding_asset(name: str) -> ResponseReturnValue:
    """The current store's uploaded logo/favicon (never another store's, never from static/)."""
    path = asset_file(current_store().id, name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=MIME[path.suffix.lstrip(".")], max_age=86400)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home/index.html")


def _store_freeze_notice() -> dict[str, object] | None:
    """For the layout's banner: is this store frozen, and (staff of the store only) why."""
    store = g.get("store")
    if store is None or store.frozen_at is None:
        return None
    user = current_user
    staff = isinstance(user, Staff) and user.is_authenticated and user.store_id == store.id
    return {"staff": staff, "reason": store.frozen_reason if staff else None}


def register(app: Flask) -> None:
    install_cache_invalidation()
    app.before_request(_resolve_request_store)

    @app.context_processor
    def inject_store() -> dict[str, object]:
        return {"store": g.get("store"), "store_freeze_notice": _store_freeze_notice}

    app.register_blueprint(bp)


__all__ = ["bp", "current_store", "register"]
