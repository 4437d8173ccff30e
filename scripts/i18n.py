"""Translation catalogues: one shared (``translations/``) and one per area.

    python scripts/i18n.py extract [AREA ...]  # (re)build .pot files, merge them into each .po
                                               # (AREA "shared" is the shared catalogue)
    python scripts/i18n.py compile   # .po -> .mo (run by `make`)
    python scripts/i18n.py check     # exit 1 if a message lacks a Chinese translation, or if
                                     # two catalogues translate one message differently
    python scripts/i18n.py fill F    # F: JSON {"English msgid": "中文"}; fills every catalogue

An area's catalogue (``storefront/<area>/translations``) covers ``storefront/<area>/`` and
``templates/<area>/``; the shared one covers everything else. Areas translate in their own
files, so work on one area never conflicts with another's.

At run time the catalogues are merged into one set (the last one wins), so a message must read
the same in every catalogue that has it: agree on one translation, or, where the meaning really
differs, give the message a context (``pgettext("ticket status", "Open")`` in Python,
``{{ pgettext('ticket status', 'Open') }}`` in templates). ``check`` lists every disagreement.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "storefront"
LOCALES = ("zh_Hans_CN",)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.do"}, "**.txt": {"extensions": "jinja2.ext.do"}}


def areas() -> list[str]:
    return sorted(p.parent.name for p in PKG.glob("*/translations") if p.is_dir())


def _collect(catalog: Catalog, folder: Path, skip: set[str], prefix: str) -> None:
    if not folder.is_dir():
        return
    for filename, lineno, message, comments, context in extract_from_dir(
        str(folder), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        top = Path(filename).parts[0]
        if top in skip:
            continue
        catalog.add(
            message,
            None,
            [(f"{prefix}/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )


def build_pot(area: str | None) -> Catalog:
    catalog = Catalog(project="storefront", charset="utf-8")
    if area is None:
        owned = set(areas())
        _collect(catalog, PKG, owned | {"cloud", "_templates", "_static"}, "storefront")
        _collect(catalog, ROOT / "templates", owned, "templates")
    else:
        _collect(catalog, PKG / area, set(), f"storefront/{area}")
        _collect(catalog, ROOT / "templates" / area, set(), f"templates/{area}")
    return catalog


def catalogue_dir(area: str | None) -> Path:
    return ROOT / "translations" if area is None else PKG / area / "translations"


def extract(only: list[str] | None = None) -> None:
    chosen = [None, *areas()]
    if only:
        chosen = [a for a in chosen if (a or "shared") in only]
    for area in chosen:
        folder = catalogue_dir(area)
        pot = build_pot(area)
        with open(folder / "messages.pot", "wb") as fh:
            write_po(fh, pot, omit_header=False, sort_output=True)
        for locale in LOCALES:
            po_path = folder / locale / "LC_MESSAGES" / "messages.po"
            po_path.parent.mkdir(parents=True, exist_ok=True)
            if po_path.exists():
                with open(po_path, "rb") as fh:
                    catalog = read_po(fh, locale=locale)
                catalog.update(pot, no_fuzzy_matching=True)
            else:
                catalog = Catalog(locale=locale, project="storefront", charset="utf-8")
                catalog.update(pot, no_fuzzy_matching=True)
            with open(po_path, "wb") as fh:
                write_po(fh, catalog, omit_header=False, sort_output=True, ignore_obsolete=True)
        print(f"{folder.relative_to(ROOT)}: {len(pot)} messages")


def compile_all() -> None:
    for po_path in po_files():
        with open(po_path, "rb") as fh:
            catalog = read_po(fh)
        with open(po_path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def po_files() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("translations/*/LC_MESSAGES/*.po"),
            *PKG.glob("*/translations/*/LC_MESSAGES/*.po"),
        ]
    )


def conflicts() -> list[str]:
    """One line per message (context and msgid) that two catalogues of a locale translate
    differently: the merged set would show one area's wording in another area's pages."""
    seen: dict[tuple[str, str | None, object], dict[object, list[str]]] = {}
    for po_path in po_files():
        with open(po_path, "rb") as fh:
            catalog = read_po(fh)
        parts = po_path.relative_to(ROOT).parts
        owner = "shared" if parts[0] == "translations" else parts[1]
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = (str(catalog.locale), message.context, message.id)
            seen.setdefault(key, {}).setdefault(message.string, []).append(owner)
    lines = []
    for (locale, context, msgid), versions in sorted(seen.items(), key=str):
        if len(versions) > 1:
            where = "; ".join(
                f"{text!r} in {', '.join(owners)}" for text, owners in versions.items()
            )
            label = f"{context}|{msgid!r}" if context else repr(msgid)
            lines.append(f"{locale} {label}: {where}")
    return lines


def check() -> int:
    missing = 0
    for po_path in po_files():
        with open(po_path, "rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                missing += 1
                print(f"{po_path.relative_to(ROOT)}: untranslated {message.id!r}")
    clashes = conflicts()
    for line in clashes:
        print(f"translated differently: {line}")
    return 1 if missing or clashes else 0


def fill(path: str) -> None:
    import json

    table: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    for po_path in po_files():
        with open(po_path, "rb") as fh:
            catalog = read_po(fh)
        changed = False
        for message in catalog:
            wanted = table.get(message.id) if isinstance(message.id, str) else None
            if wanted and (message.string != wanted or message.fuzzy):
                message.string = wanted
                message.flags.discard("fuzzy")
                changed = True
        if changed:
            with open(po_path, "wb") as fh:
                write_po(fh, catalog, omit_header=False, sort_output=True, ignore_obsolete=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract(sys.argv[2:])
    elif command == "compile":
        compile_all()
    elif command == "fill" and len(sys.argv) > 2:
        fill(sys.argv[2])
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
