"""The survey a staff address names, loaded once for every view that takes one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from engage.extensions import db
from engage.surveys.models import Survey

R = TypeVar("R")


def with_survey(view: Callable[..., R]) -> Callable[..., R]:
    """Pass the view ``survey`` in place of the route's ``survey_id``: 404 when there is
    none. It goes under ``@require``, so a visitor who may not open the page is sent to
    sign in, or refused, before anything is looked up (and is not told which ids exist);
    a blueprint's ``url_value_preprocessor`` would run before ``@require``. A view with
    a second route that has no ``survey_id`` gets no ``survey`` from it."""

    @wraps(view)
    def load(*args: Any, **kwargs: Any) -> R:
        if "survey_id" in kwargs:
            kwargs["survey"] = db.get_or_404(Survey, kwargs.pop("survey_id"))
        return view(*args, **kwargs)

    return load
