"""Staff forms for themes: a name and keywords in each survey language."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import Field, StringField
from wtforms.validators import DataRequired, Length

from engage.core.forms import Form
from engage.core.i18n import _l, language_name


class CodingForm(Form):
    """CSRF only: the checkboxes (``themes-<answer id>``) depend on the page's answers."""


def theme_form(locales: Sequence[str], *, new: bool = True) -> Form:
    """A new theme's code, names and keywords (``name__es``, ``keywords__es``), or only
    the keywords of an existing one."""
    fields: dict[str, Field] = {}
    if new:
        fields["slug"] = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
        for code in locales:
            fields[f"name__{code}"] = StringField(language_name(code), validators=[Length(max=200)])
    for code in locales:
        fields[f"keywords__{code}"] = StringField(language_name(code), validators=[Length(max=2000)])
    return type("ThemeForm", (Form,), fields)()


def per_locale(form: Form, name: str, locales: Sequence[str]) -> dict[str, str]:
    return {code: form[f"{name}__{code}"].data or "" for code in locales}
