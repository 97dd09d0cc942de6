"""The base form: Flask-WTF's CSRF, with WTForms' own messages ("This field is
required.") translated from a catalog loaded once per language rather than once per
request (Flask-WTF re-reads the file on every request)."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=32)
def _catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _Translations:
    def gettext(self, string: str) -> str:
        return _catalog(str(get_locale() or "en")).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog(str(get_locale() or "en")).ungettext(singular, plural, n)


_TRANSLATIONS = _Translations()


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form: object) -> _Translations:
            return _TRANSLATIONS
