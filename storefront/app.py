"""The app factory: settings, extensions, every area's blueprints and commands, the owner.

Areas are found through :func:`storefront.areas.hooks` (``views``, ``cli``, ``jobs``); what every
app needs is imported here, at the top.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

import storefront.models  # noqa: F401  (every area's tables and mappers)
from storefront import (
    api,
    assets,
    cli,
    clock,
    errors,
    i18n,
    labels,
    navigation,
    nostore,
    ratelimit,
    routing,
    security,
    uploads,
)
from storefront.accounts import principals
from storefront.accounts.bootstrap import ensure_owner
from storefront.areas import hooks
from storefront.catalog import quote_store
from storefront.cloud import build_provider
from storefront.config import Settings, load_settings
from storefront.extensions import (
    csrf,
    db,
    install_pool_checks,
    install_sqlite_pragmas,
    login_manager,
    migrate,
)
from storefront.json_provider import COLUMN_OPTIONS, OrjsonProvider
from storefront.stores import hosts, tenancy
from storefront.stores.services import ensure_default_store

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
log = logging.getLogger(__name__)


def _asset_dir(name: str) -> Path:
    """``<checkout>/<name>`` in a source tree, ``storefront/_<name>`` in an installed wheel."""
    checkout = ROOT / name
    return checkout if checkout.is_dir() else PACKAGE / f"_{name}"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (``STOREFRONT_*`` or Flask keys)."""
    load_dotenv(override=False)
    settings = load_settings(config)
    clock.follow_offset_file(settings.clock_offset_file)
    app = Flask(
        "storefront",
        template_folder=str(_asset_dir("templates")),
        static_folder=str(_asset_dir("static")),
        instance_path=str(settings.instance_path),
    )
    app.config.from_mapping(settings.flask_config())
    app.json = OrjsonProvider(app)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO if not app.testing else logging.WARNING)

    register_extensions(app, settings)
    register_blueprints(app)
    cli.register(app)
    bootstrap_owner(app, settings)
    hosts.wrap(app, settings)  # Host checks; ProxyFix with STOREFRONT_PROXY_HOPS
    return app


def register_extensions(app: Flask, settings: Settings) -> None:
    install_sqlite_pragmas()
    install_pool_checks()
    engine_options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**COLUMN_OPTIONS, **engine_options}
    binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
    writer = quote_store.writer_bind(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    if writer is not None and quote_store.WRITER not in binds:
        app.config["SQLALCHEMY_BINDS"] = {**binds, quote_store.WRITER: writer}
    db.init_app(app)
    quote_store.install_writer(app)
    with app.app_context():
        tenancy.install(db.session.registry().__class__)
    migrate.init_app(app, db, directory=str(_asset_dir("migrations")))
    csrf.init_app(app)
    login_manager.init_app(app)
    principals.register()
    ratelimit.init_app(app)
    i18n.register(app, ROOT)
    labels.register(app)
    security.register(app)
    nostore.register(app)  # Cache-Control: no-store for signed-in callers and tokens
    assets.register(app)  # fingerprinted static files: kept a year
    errors.register(app)
    navigation.register(app)
    app.extensions["storefront.cloud"] = build_provider(settings.cloud)


def register_blueprints(app: Flask) -> None:
    routing.register(app)  # the ``id`` converter the blueprints' routes use
    for views in hooks("views"):
        views.register(app)
    api.register(app)
    uploads.register(app)  # files per form, after the store is known (its branded 413 page)


def bootstrap_owner(app: Flask, settings: Settings) -> None:
    """Create or reset the default store's owner from settings, once the schema exists."""
    if not (settings.admin_email and settings.admin_password):
        return
    with app.app_context():
        if not inspect(db.engine).has_table("staff"):
            # not an anomaly when the app is built to run `flask storefront init`, which
            # migrates and then creates the owner; a server started on it fails loudly anyway
            log.info("database not migrated yet: `flask storefront init` creates the owner")
            return
        try:
            ensure_owner(ensure_default_store(), settings.admin_email, settings.admin_password)
            db.session.commit()
        except IntegrityError:  # another worker got there first
            db.session.rollback()
