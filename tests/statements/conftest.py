"""Statements fixtures: moving the product's clock (``storefront.clock.utcnow``) and reading
PDFs."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from storefront import clock


@pytest.fixture
def travel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    """``travel(moment)``: from now on ``clock.utcnow()`` is near ``moment`` (the offset file
    the development clock follows)."""
    path = tmp_path / "clock.json"
    monkeypatch.setattr(clock, "OFFSET_CACHE_S", 0.0)
    clock.follow_offset_file(path)

    def go(moment: datetime) -> None:
        clock.write_offset(path, (moment - datetime.now(UTC)).total_seconds())

    yield go
    clock.follow_offset_file(None)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return names
