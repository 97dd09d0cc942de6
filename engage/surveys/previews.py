"""What staff see of a question on each channel: the web form on the preview page, the
parts a text costs on the overview. Channels build on surveys, so the app factory
registers each channel's preview here rather than surveys importing the channels."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from engage.engine import QuestionSpec
from engage.surveys.models import Channel

#: ``preview(question, locale, default_locale)``: whatever the channel's page shows.
Preview = Callable[[QuestionSpec, str, str], object]
_PREVIEWS = "engage.previews"


def register_preview(app: Flask, channel: Channel, preview: Preview) -> None:
    app.extensions.setdefault(_PREVIEWS, {})[channel] = preview


def channel_preview(channel: Channel, question: QuestionSpec, locale: str, default_locale: str) -> object:
    return current_app.extensions[_PREVIEWS][channel](question, locale, default_locale)
