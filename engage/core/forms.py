"""The base form: Flask-WTF's CSRF, with WTForms' own messages ("This field is
required.") translated from a catalog loaded once per language rather than once per
request (Flask-WTF re-reads the file on every request). And the fields every form
uses in place of WTForms' own where those let through what no column holds."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import IntegerField as _IntegerField
from wtforms.i18n import messages_path

from engage.core.routing import MAX_ID


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


class IntegerField(_IntegerField):
    """A whole number a database integer holds. WTForms' own takes any size, and its
    NumberRange then fails (a 500) on one beyond a float's range: refused as invalid."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not -MAX_ID - 1 <= self.data <= MAX_ID:
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
