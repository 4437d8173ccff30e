"""The API fuzz (``bench/fuzz_api.py``) on a few hundred cases, so it keeps working.

The full run is ``.venv/bin/python bench/fuzz_api.py --cases 10000`` (README, "API fuzz").
``-m fuzz`` selects this test alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from bench.fuzz_api import api_targets, prepare, run_fuzz
from tests.conftest import dispose

CASES = 300
PROBE = "/api/v1/fuzz-probe"


def _broken() -> Any:
    raise ZeroDivisionError("the probe always fails")


@pytest.fixture
def _storefront_logger_kept() -> Iterator[None]:
    """``run_fuzz`` quiets the ``storefront`` logger (level, propagation, its own handler) for
    its report: put it back, or later tests that read the log (``caplog``) see nothing."""
    logger = logging.getLogger("storefront")
    kept = (logger.level, logger.propagate, logger.disabled, list(logger.handlers))
    yield
    logger.setLevel(kept[0])
    logger.propagate, logger.disabled, logger.handlers[:] = kept[1], kept[2], kept[3]


@pytest.fixture
def fuzz_app(
    tmp_path: Path, build_demo_app: Callable[[Path], Flask], _storefront_logger_kept: None
) -> Any:
    app = build_demo_app(tmp_path)
    # An endpoint added after the script was written, and broken: the walk must find it and
    # the report must name it (the check that the fuzz can fail at all).
    app.add_url_rule(
        PROBE, "fuzz_probe", _broken
    )  # GET: outside the API blueprint, a POST meets CSRF
    yield app
    dispose(app)


@pytest.mark.fuzz
def test_every_api_endpoint_survives_the_fuzz_and_a_broken_one_is_reported(
    fuzz_app: Flask,
) -> None:
    world = prepare(fuzz_app)
    report = run_fuzz(fuzz_app, world, CASES, seed_value=14)

    targets = {f"{method} {rule.rule}" for rule, method in api_targets(fuzz_app)}
    assert len(targets) > 20 and f"GET {PROBE}" in targets
    assert set(report.per_endpoint) == targets  # every endpoint got cases
    assert report.total >= CASES
    assert report.statuses[500] == report.per_endpoint[f"GET {PROBE}"]
    failures = {key: case for key, (_, case) in report.failures.items()}
    assert failures and all(
        key.startswith(f"GET {PROBE} 500 ZeroDivisionError") for key in failures
    ), failures
