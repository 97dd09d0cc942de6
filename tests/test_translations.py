"""Shipped UI catalogs are complete, consistent and compiled."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from config import TestingConfig
from engage.core.catalogs import catalog_folder, catalog_gaps

ROOT = Path(__file__).resolve().parent.parent / "translations"


@pytest.mark.parametrize("locale", TestingConfig.UI_LOCALES)
def test_catalog_is_complete(locale: str) -> None:
    po = ROOT / catalog_folder(locale) / "LC_MESSAGES" / "messages.po"
    assert po.exists(), f"no catalog for {locale}"
    assert catalog_gaps(po) == []


@pytest.mark.parametrize("locale", TestingConfig.UI_LOCALES)
def test_catalog_is_compiled_and_current(locale: str) -> None:
    folder = ROOT / catalog_folder(locale) / "LC_MESSAGES"
    def entries(catalog) -> dict:  # type: ignore[no-untyped-def]
        as_key = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
        context = lambda c: c.decode() if isinstance(c, bytes) else c  # noqa: E731 - read_mo gives bytes
        return {(as_key(m.id), context(m.context)): as_key(m.string) for m in catalog if m.id}

    with (folder / "messages.po").open("rb") as fh:
        source = entries(read_po(fh))
    with (folder / "messages.mo").open("rb") as fh:
        compiled = entries(read_mo(io.BytesIO(fh.read())))
    assert compiled == source, "run `make translations` to recompile"


def test_every_template_string_is_in_the_catalog() -> None:
    with (ROOT / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "es" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        spanish = {m.id for m in read_po(fh) if m.id}
    assert template == spanish, "run `make translations` after changing UI strings"


@pytest.mark.parametrize("locale", [code for code in TestingConfig.UI_LOCALES if code != "en"])
def test_each_ui_language_is_really_loaded(app, locale: str) -> None:
    """A catalog Flask-Babel cannot find shows English without any other failure."""
    with app.test_request_context(), force_locale(locale):
        assert gettext("Skip this question") != "Skip this question"
        assert gettext("Prefer not to say") != "Prefer not to say"
