"""Every user-facing string ships in Simplified Chinese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_chinese_translation() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_catalogues_cover_the_source() -> None:
    """The .pot files are up to date: extracting again finds no message they lack."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import i18n  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    from babel.messages.pofile import read_po

    for area in [None, *i18n.areas()]:
        folder = i18n.catalogue_dir(area)
        with open(folder / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po", "rb") as fh:
            shipped = {m.id for m in read_po(fh) if m.id}
        wanted = {m.id for m in i18n.build_pot(area) if m.id}
        assert wanted <= shipped, f"{folder}: run scripts/i18n.py extract: {wanted - shipped}"


def test_no_message_is_translated_differently_by_two_catalogues() -> None:
    """The catalogues merge into one set at run time (the last one wins): a message two areas
    translate differently would show one area's wording in the other's pages. Where the meaning
    really differs the message carries a context (``pgettext``)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import i18n  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)

    clashes = i18n.conflicts()
    assert not clashes, "translated differently:\n" + "\n".join(clashes)
