"""Checks and chores for the UI message catalogs (``translations/``).

``python -m engage.core.catalogs fill-english PO`` copies each msgid into the English
catalog (English is the source language, so its catalog is complete by construction).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po, write_po

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalog_folder(code: str) -> str:
    """The folder Flask-Babel looks in for ``code``: Babel reads ``tl`` as ``fil_PH``,
    so the Tagalog catalog lives in ``fil``."""
    locale = Locale.parse(code)
    return code if str(locale) == code else locale.language


def catalog_gaps(path: Path) -> list[str]:
    """Messages a reader of this catalog would see untranslated, fuzzy or with
    placeholders that do not match the original."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    gaps = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            gaps.append(f"fuzzy: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            gaps.append(f"untranslated: {ids[0]!r}")
        elif any(sorted(PLACEHOLDER.findall(ids[-1])) != sorted(PLACEHOLDER.findall(s))
                 for s in strings):
            gaps.append(f"placeholders differ: {ids[0]!r}")
    return gaps


def fill_english(path: Path) -> None:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id  # singular and plural alike
            message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=76)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fill-english":
        fill_english(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m engage.core.catalogs fill-english PATH")
