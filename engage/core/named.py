"""Small lists of named things staff keep (departments, neighbourhoods): a slug and a
name in each UI language. One form, one page, used by each domain's view."""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from engage.core.forms import Form
from engage.core.i18n import _, _l, language_name
from engage.extensions import db

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class NamedForm(Form):
    slug = StringField(_l("Short name (letters, digits, dashes)"),
                       validators=[DataRequired(), Length(max=64),
                                   Regexp(SLUG, message=_l("Use lower-case letters, digits and dashes."))])


def _form_class() -> type[NamedForm]:
    name = _("Name")
    fields = {
        f"name__{code}": StringField(f"{name} · {language_name(code)}",
                                     validators=[Length(max=200)] + (
                                         [DataRequired()] if code == "en" else []))
        for code in current_app.config["UI_LOCALES"]
    }
    return type("NamedEntityForm", (NamedForm,), fields)


def named_entity_page(model: type, title: str, template: str = "named.html") -> str | Response:
    """List ``model`` rows and add one; a duplicate slug is refused, nothing else lost."""
    form = _form_class()()
    if form.validate_on_submit():
        slug = form.slug.data.strip()
        if db.session.scalar(select(model).where(model.slug == slug)) is not None:
            flash(_("That short name is already used."), "error")
        else:
            names = {code: form[f"name__{code}"].data.strip()
                     for code in current_app.config["UI_LOCALES"] if form[f"name__{code}"].data}
            db.session.add(model(slug=slug, name=names))
            flash(_("Added."), "success")
            return redirect(request.path)
    rows = db.session.scalars(select(model).order_by(model.slug)).all()
    return render_template(template, form=form, rows=rows, title=title)
