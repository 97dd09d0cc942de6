"""Numbers from addresses and parameters stop where the database's integers stop."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from engage.core.errors import InvalidParameter
from engage.core.routing import MAX_ID, bounded_int, int_arg, int_list


@pytest.mark.parametrize(("raw", "expected"), [
    ("7", 7), (" 7 ", 7), ("007", 7), ("-3", -3), (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None), (str(2**63), None), ("9" * 400, None), ("١٢", None), ("1.5", None),
    ("", None), (None, None), ("0x1F", None),
])
def test_bounded_int(raw: str | None, expected: int | None) -> None:
    assert bounded_int(raw) == expected


def test_int_arg_takes_a_default_and_refuses_the_rest_naming_the_parameter(app: Flask) -> None:
    with app.test_request_context():
        assert int_arg(MultiDict(), "page", 1) == 1
        assert int_arg(MultiDict({"page": " "}), "page", 1) == 1
        assert int_arg(MultiDict({"page": "4"}), "page", 1, minimum=1) == 4
        for raw in ("0", str(2**31), "two", "١"):
            with pytest.raises(InvalidParameter) as refused:
                int_arg(MultiDict({"page": raw}), "page", 1, minimum=1)
            assert refused.value.parameter == "page"
        assert int_list(MultiDict([("id", "3"), ("id", ""), ("id", "5")]), "id") == [3, 5]
        with pytest.raises(InvalidParameter):
            int_list(MultiDict([("id", "3"), ("id", str(2**63))]), "id")


@pytest.mark.parametrize("path", ["/voice/audio/2147483648", "/voice/audio/١٢", "/voice/audio/-1",
                                  "/s/a\x00b", "/staff/surveys/1/results/a\x00b.svg"])
def test_addresses_no_row_can_have_are_not_found(app: Flask, path: str) -> None:
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(path)
