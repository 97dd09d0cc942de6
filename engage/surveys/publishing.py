"""What the channels add to the checks before a survey is published (the voice channel:
prompts still to be recorded). Channels build on surveys, so the app factory registers
their checks here rather than surveys importing the channels."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from engage.surveys.models import Survey

#: ``check(survey)``: what stops ``survey`` from being published, as (lazy) messages.
PublishCheck = Callable[[Survey], list[object]]
_CHECKS = "engage.publish_checks"


def register_publish_check(app: Flask, check: PublishCheck) -> None:
    app.extensions.setdefault(_CHECKS, []).append(check)


def channel_problems(survey: Survey) -> list[object]:
    """What every registered check finds, in the order they were registered."""
    return [problem for check in current_app.extensions.get(_CHECKS, ()) for problem in check(survey)]
