"""Settings from the environment (prefix ``STOREFRONT_``), validated once at start-up.

Every setting the product reads is declared here; nothing else reads ``os.environ``.
The cloud boundary's own settings are parsed by :mod:`storefront.cloud.settings`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from storefront.billing.wallet_settings import WalletSettings
from storefront.cloud.settings import CloudConfigError, CloudSettings
from storefront.config_groups import (
    ThrottleSettings,
    TuningSettings,
    job_lease_s,
    throttle_settings,
    tuning_settings,
)
from storefront.console_bridge.settings import ConsoleSettings
from storefront.partners.settings import PartnerSettings
from storefront.payments.settings import PaymentSettings
from storefront.stores.hosts import host_problem, normalise_host
from storefront.uploads import UploadSettings

PREFIX = "STOREFRONT_"
ENVIRONMENTS = ("development", "testing", "production")
MAIL_BACKENDS = ("smtp", "console", "file")
LOCALES = ("en", "zh_Hans_CN")
DEV_SECRET = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production
# (name, default, lowest, highest) of the store-text render caps
TEXT_CAPS = (
    ("TEXT_MAX_STEPS", 10_000, 100, 10_000_000),
    ("TEXT_MAX_CHARS", 20_000, 1_000, 10_000_000),
    ("TEXT_MAX_MS", 200, 10, 60_000),
)
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="  # dev only, refused in prod


class ConfigError(RuntimeError):
    """Raised at start-up when settings are missing or invalid; lists every problem."""


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    database_url: str
    instance_path: Path
    redis_url: str | None
    mail_backend: str
    mail_dir: Path
    mail_from: str
    smtp_host: str
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    admin_email: str | None
    admin_password: str | None
    default_locale: str
    encryption_keys: tuple[str, ...]
    public_url: str
    cloud: CloudSettings
    extra: dict[str, Any] = field(default_factory=dict)
    wallet: WalletSettings | None = None  # payment gateway and voucher settings (billing)
    partners: PartnerSettings | None = None  # platform mode, distributor credentials (partners)
    console: ConsoleSettings | None = None  # console bridge: SAML IdP and console links
    # store-written texts: caps on one render (steps: loop items, calls, filters; output
    # characters; milliseconds), see storefront/backoffice/text_sandbox.py
    text_max_steps: int = 10_000
    text_max_chars: int = 20_000
    text_max_ms: int = 200
    throttle: ThrottleSettings = field(default_factory=lambda: ThrottleSettings())
    uploads: UploadSettings | None = None  # request size, files per form, quota, retention
    payments: PaymentSettings | None = None  # Alipay / WeChat Pay (storefront.payments)
    # Hosts and links (see storefront.stores.hosts): extra host names that serve the default
    # store, reverse proxies in front of the app (ProxyFix), the store-by-Host cache's size.
    trusted_hosts: tuple[str, ...] = ()
    proxy_hops: int = 0
    store_cache_size: int = 1024
    secret_key_fallbacks: tuple[str, ...] = ()  # older SECRET_KEYs still accepted (rotation)
    tuning: TuningSettings = field(default_factory=lambda: TuningSettings())
    # STOREFRONT_JOB_LEASE_S: how long a running background job stays claimed without its
    # worker's heartbeat; a worker that dies loses its jobs to another worker after this
    job_lease_s: int = 60
    clock_offset_file: Path | None = None  # the clock's offset file (storefront/clock.py)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def flask_config(self) -> dict[str, Any]:
        """The subset Flask and its extensions read, under their own names."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self.database_url),
            "SQLALCHEMY_BINDS": {},  # the app factory adds the quote writer's (catalog.quote_store)
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            # per-route request rates (storefront.ratelimit); off only for load benchmarks
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "RATELIMIT_KEY_PREFIX": "",
            "RATELIMIT_SWALLOW_ERRORS": True,  # Redis unreachable: log, don't refuse (no 500)
            "WTF_CSRF_TIME_LIMIT": 3600 * 8,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.is_production,
            "REMEMBER_COOKIE_SECURE": self.is_production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "TESTING": self.env == "testing",
            "DEBUG": False,
            "SECRET_KEY_FALLBACKS": list(self.secret_key_fallbacks),
            "SETTINGS": self,
            "MAX_CONTENT_LENGTH": self.uploads.max_content_length if self.uploads else None,
            **self.tuning.flask_config(),
            **self.extra,
        }


def _engine_options(url: str) -> dict[str, Any]:
    # LIFO: the connection used last is handed out next, so a busy process keeps reusing a few
    # warm connections (SQLite: their page cache; PostgreSQL: its backends' caches) and the
    # rest can idle out; the default FIFO cycles through every pooled connection in turn.
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///") or "memory" in url  # :memory:, mode=memory
        options: dict[str, Any] = {"connect_args": {"timeout": 30}}
        return options if in_memory else {**options, "pool_use_lifo": True}  # memory: one conn
    # no pool_pre_ping (a round trip per request): a connection the server closed is refused
    # at checkout without one (``extensions.install_pool_checks``)
    return {"pool_use_lifo": True}


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    instance_path: Path | None = None,
) -> Settings:
    """Build validated settings from ``environ`` (default ``os.environ``) plus ``overrides``.

    ``overrides`` may hold ``STOREFRONT_*`` names (treated like environment variables) and
    any other Flask config key (passed through untouched, after the declared ones).
    """
    env: dict[str, str] = dict(os.environ if environ is None else environ)
    extra: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if key.startswith(PREFIX):
            env[key] = str(value)
        else:
            extra[key] = value

    def get(name: str, default: str | None = None) -> str | None:
        value = env.get(PREFIX + name)
        return default if value is None or value == "" else value

    problems: list[str] = []
    environment = get("ENV", "production") or "production"
    if environment not in ENVIRONMENTS:
        problems.append(
            f"STOREFRONT_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}"
        )
    production = environment == "production"
    inst = Path(get("INSTANCE_PATH") or instance_path or Path.cwd() / "instance").resolve()
    values: dict[str, Any] = {
        "env": environment,
        "instance_path": inst,
        "database_url": get("DATABASE_URL") or f"sqlite:///{inst / 'storefront.db'}",
        "redis_url": get("REDIS_URL"),
        "mail_dir": Path(get("MAIL_DIR") or inst / "mail"),
        "extra": extra,
    }
    for part in (_secrets, _mail, _people, _areas, _texts_and_hosts, _clock):
        values.update(part(get, env, production, problems))
    values["throttle"] = throttle_settings(env, problems)
    values["tuning"] = tuning_settings(get, problems)
    if values["tuning"].webhooks_allow_private and production:
        problems.append("STOREFRONT_WEBHOOKS_ALLOW_PRIVATE is refused in production (SSRF)")
    elif environment == "development":  # the local receivers one develops against
        values["tuning"] = replace(values["tuning"], webhooks_allow_private=True)
    values["job_lease_s"] = job_lease_s(get, problems)
    if problems:
        raise ConfigError("Invalid settings:\n  - " + "\n  - ".join(problems))
    return Settings(**values)


Getter = Callable[..., str | None]


def _clock(
    get: Getter, env: Mapping[str, str], production: bool, problems: list[str]
) -> dict[str, Any]:
    """``CLOCK_OFFSET_FILE``: followed by storefront/clock.py; development and testing only."""
    value = get("CLOCK_OFFSET_FILE")
    if value and production:
        problems.append("STOREFRONT_CLOCK_OFFSET_FILE is for development and testing only")
    return {"clock_offset_file": Path(value).resolve() if value else None}


def _secrets(
    get: Getter, env: Mapping[str, str], production: bool, problems: list[str]
) -> dict[str, Any]:
    """``SECRET_KEY`` (+ ``SECRET_KEY_FALLBACKS``), ``ENCRYPTION_KEYS``: required in production."""
    secret = get("SECRET_KEY")
    if secret is None:
        if production:
            problems.append("STOREFRONT_SECRET_KEY is required in production")
        secret = DEV_SECRET
    elif production and len(secret) < 32:
        problems.append("STOREFRONT_SECRET_KEY must be at least 32 characters in production")
    keys_raw = get("ENCRYPTION_KEYS")
    if keys_raw is None:
        if production:
            problems.append(
                "STOREFRONT_ENCRYPTION_KEYS is required in production "
                "(comma-separated Fernet keys, newest first)"
            )
        keys_raw = DEV_ENCRYPTION_KEY
    keys = tuple(k.strip() for k in keys_raw.split(",") if k.strip())
    for k in keys:
        try:
            Fernet(k.encode())
        except (ValueError, TypeError):
            problems.append("STOREFRONT_ENCRYPTION_KEYS holds a value that is not a Fernet key")
            break
    fallbacks = tuple(
        k.strip() for k in (get("SECRET_KEY_FALLBACKS") or "").split(",") if k.strip()
    )
    return {"secret_key": secret, "encryption_keys": keys, "secret_key_fallbacks": fallbacks}


def _mail(
    get: Getter, env: Mapping[str, str], production: bool, problems: list[str]
) -> dict[str, Any]:
    mail_backend = get("MAIL_BACKEND", "console") or "console"
    if mail_backend not in MAIL_BACKENDS:
        problems.append(f"STOREFRONT_MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}")
    smtp_port_raw = get("SMTP_PORT", "587") or "587"
    try:
        smtp_port = int(smtp_port_raw)
    except ValueError:
        problems.append("STOREFRONT_SMTP_PORT must be a whole number")
        smtp_port = 587
    if mail_backend == "smtp" and not get("SMTP_HOST"):
        problems.append("STOREFRONT_SMTP_HOST is required with STOREFRONT_MAIL_BACKEND=smtp")
    return {
        "mail_backend": mail_backend,
        "mail_from": get("MAIL_FROM", "no-reply@storefront.local") or "",
        "smtp_host": get("SMTP_HOST", "localhost") or "localhost",
        "smtp_port": smtp_port,
        "smtp_user": get("SMTP_USER"),
        "smtp_password": get("SMTP_PASSWORD"),
        "smtp_starttls": _bool(get("SMTP_STARTTLS"), default=True),
    }


def _people(
    get: Getter, env: Mapping[str, str], production: bool, problems: list[str]
) -> dict[str, Any]:
    """The default locale and the first administrator."""
    locale = get("DEFAULT_LOCALE", "en") or "en"
    if locale not in LOCALES:
        problems.append(f"STOREFRONT_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    admin_email, admin_password = get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")
    if bool(admin_email) != bool(admin_password):
        problems.append("STOREFRONT_ADMIN_EMAIL and STOREFRONT_ADMIN_PASSWORD go together")
    elif admin_password and len(admin_password) < 10:
        problems.append("STOREFRONT_ADMIN_PASSWORD must be at least 10 characters")
    return {"default_locale": locale, "admin_email": admin_email, "admin_password": admin_password}


def _areas(
    get: Getter, env: Mapping[str, str], production: bool, problems: list[str]
) -> dict[str, Any]:
    """Settings parsed by the areas that own them: cloud, wallet, console, partners, uploads."""
    try:
        cloud = CloudSettings.from_mapping(env)
    except CloudConfigError as exc:
        problems.append(str(exc))
        cloud = CloudSettings.from_mapping({})
    sandbox = get("CLOUD", "sandbox") == "sandbox"
    wallet, wallet_problems = WalletSettings.from_mapping(env, production, cloud_is_sandbox=sandbox)
    console, console_problems = ConsoleSettings.from_mapping(
        env, production, cloud_is_sandbox=sandbox
    )
    partners, partner_problems = PartnerSettings.from_mapping(env, cloud_is_sandbox=sandbox)
    uploads, upload_problems = UploadSettings.from_mapping(env)
    payments, payment_problems = PaymentSettings.from_mapping(env, production)
    problems.extend(
        [
            *wallet_problems,
            *console_problems,
            *partner_problems,
            *upload_problems,
            *payment_problems,
        ]
    )
    return {
        "cloud": cloud,
        "wallet": wallet,
        "console": console,
        "partners": partners,
        "uploads": uploads,
        "payments": payments,
    }


def _texts_and_hosts(
    get: Getter, env: Mapping[str, str], production: bool, problems: list[str]
) -> dict[str, Any]:
    """Store-text render caps, ``PUBLIC_URL`` and the host settings."""
    text_caps: dict[str, int] = {}
    for name, default, low, high in TEXT_CAPS:
        raw = get(name, str(default)) or str(default)
        try:
            text_caps[name] = int(raw)
        except ValueError:
            text_caps[name] = low - 1  # reported below
        if not low <= text_caps[name] <= high:
            problems.append(f"STOREFRONT_{name} must be a whole number from {low} to {high}")
            text_caps[name] = default
    public_url = (get("PUBLIC_URL", "http://127.0.0.1:5000") or "").rstrip("/")
    trusted_hosts, proxy_hops, store_cache_size = _host_settings(get, public_url, problems)
    return {
        "text_max_steps": text_caps["TEXT_MAX_STEPS"],
        "text_max_chars": text_caps["TEXT_MAX_CHARS"],
        "text_max_ms": text_caps["TEXT_MAX_MS"],
        "public_url": public_url,
        "trusted_hosts": trusted_hosts,
        "proxy_hops": proxy_hops,
        "store_cache_size": store_cache_size,
    }


def _host_settings(
    get: Callable[..., str | None], public_url: str, problems: list[str]
) -> tuple[tuple[str, ...], int, int]:
    """Check ``PUBLIC_URL``; parse ``TRUSTED_HOSTS``, ``PROXY_HOPS``, ``STORE_CACHE_SIZE``."""
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        problems.append("STOREFRONT_PUBLIC_URL must be an http(s) URL such as https://shop.example")
    elif host_problem(parts.netloc):
        problems.append("STOREFRONT_PUBLIC_URL has an invalid host name")
    trusted: list[str] = []
    for raw in (get("TRUSTED_HOSTS") or "").split(","):
        name = raw.strip()
        if not name:
            continue
        if host_problem(name.removeprefix(".")):
            problems.append(f"STOREFRONT_TRUSTED_HOSTS holds an invalid host name: {name!r}")
        suffix = name.startswith(".")
        trusted.append(("." if suffix else "") + normalise_host(name.removeprefix(".")))
    numbers = {"PROXY_HOPS": (0, 0, 10), "STORE_CACHE_SIZE": (1024, 1, 1_000_000)}
    values: dict[str, int] = {}
    for name, (default, low, high) in numbers.items():
        raw_value = get(name, str(default)) or str(default)
        try:
            values[name] = int(raw_value)
        except ValueError:
            values[name] = default
        if not low <= values[name] <= high or not raw_value.strip().isdigit():
            problems.append(f"STOREFRONT_{name} must be a whole number from {low} to {high}")
            values[name] = default
    return tuple(trusted), values["PROXY_HOPS"], values["STORE_CACHE_SIZE"]
