"""Time travel for development: a storefront in development or testing follows the sandbox's
clock (``POST /_sandbox/clock`` moves both, through ``STOREFRONT_CLOCK_OFFSET_FILE``);
production refuses the setting and keeps the real clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storefront import clock, create_app
from storefront.cloud.sandbox.testing import RunningSandbox
from storefront.config import ConfigError, load_settings
from tests.conftest import dispose

DAYS_40 = 40 * 86400.0


@pytest.fixture
def config(tmp_path: Path, sandbox: RunningSandbox) -> dict[str, Any]:
    """A testing app of its own (the shared ``base_config`` belongs to the other suites)."""
    return {
        "STOREFRONT_ENV": "testing",
        "STOREFRONT_DATABASE_URL": f"sqlite:///{tmp_path / 'storefront.db'}",
        "STOREFRONT_INSTANCE_PATH": str(tmp_path / "instance"),
        "STOREFRONT_MAIL_BACKEND": "file",
        "STOREFRONT_MAIL_DIR": str(tmp_path / "mail"),
        "STOREFRONT_CLOUD": "sandbox",
        "STOREFRONT_SANDBOX_URL": sandbox.url,
        "STOREFRONT_REDIS_URL": "",
        "STOREFRONT_PUBLIC_URL": "http://localhost",
    }


@pytest.fixture
def clock_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "clock-offset.json"
    clock.follow_offset_file(None)  # no other test follows it


def _ahead(seconds: float) -> float:
    return (clock.utcnow() - datetime.now(UTC)).total_seconds() - seconds


def test_moving_the_sandbox_clock_moves_the_storefronts_in_testing(
    config: dict[str, Any],
    clock_file: Path,
    extra_sandbox: Callable[..., RunningSandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = extra_sandbox(clock_file=clock_file)
    app = create_app({**config, "STOREFRONT_CLOCK_OFFSET_FILE": str(clock_file)})
    try:
        assert abs(_ahead(0)) < 5
        moved = sandbox.set_clock_offset(DAYS_40)
        # the storefront's clients sign with the real time: signatures follow it
        assert moved == {"offset_s": DAYS_40, "signatures": False}
        monkeypatch.setattr(clock, "OFFSET_CACHE_S", 0.0)  # read at once, not within a second
        assert abs(_ahead(DAYS_40)) < 5
        with app.app_context():
            assert abs(_ahead(DAYS_40)) < 5
        sandbox.set_clock_offset(0)
        assert abs(_ahead(0)) < 5
    finally:
        dispose(app)


def test_a_restarted_sandbox_starts_from_the_offset_in_the_file(
    clock_file: Path, extra_sandbox: Callable[..., RunningSandbox]
) -> None:
    clock.write_offset(clock_file, 3600.0)
    sandbox = extra_sandbox(clock_file=clock_file)
    assert sandbox.state.clock_offset_s == 3600.0


def test_production_refuses_the_clock_file_and_keeps_the_real_clock(
    config: dict[str, Any], clock_file: Path
) -> None:
    production = {
        **config,
        "STOREFRONT_ENV": "production",
        "STOREFRONT_SECRET_KEY": "x" * 40,
        "STOREFRONT_ENCRYPTION_KEYS": "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=",
    }
    with pytest.raises(ConfigError, match="STOREFRONT_CLOCK_OFFSET_FILE"):
        load_settings({**production, "STOREFRONT_CLOCK_OFFSET_FILE": str(clock_file)}, environ={})

    clock.write_offset(clock_file, DAYS_40)
    clock.follow_offset_file(clock_file)  # as a development app in this process left it
    assert abs(_ahead(DAYS_40)) < 5
    app = create_app(production)
    try:
        assert abs(_ahead(0)) < 5
        assert abs((clock.utcnow() - datetime.now(UTC)) / timedelta(seconds=1)) < 5
    finally:
        dispose(app)
