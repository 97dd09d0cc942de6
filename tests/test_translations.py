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
    with (folder / "messages.po").open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id}
    with (folder / "messages.mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(io.BytesIO(fh.read())) if m.id}
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
