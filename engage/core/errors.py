"""Domain errors: raised by operations, shown (translated) by views."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """A rule of the domain refused a change; ``messages`` are (lazy) translated strings."""

    def __init__(self, *messages: object) -> None:
        super().__init__(*messages)
        self.messages: Sequence[object] = messages

    def __str__(self) -> str:
        return " ".join(str(m) for m in self.messages)


class InvalidParameter(DomainError):
    """A query-string parameter that cannot be read: answered with 400, naming the
    parameter and the values it takes (JSON on the API, a page elsewhere)."""

    def __init__(self, parameter: str, message: object, valid: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.parameter, self.valid = parameter, list(valid)


def flash_errors(err: DomainError) -> None:
    """Each refusal as its own error message on the next page."""
    from flask import flash

    for message in err.messages:
        flash(str(message), "error")
