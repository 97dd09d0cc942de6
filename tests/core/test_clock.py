"""Time is a parameter: domain code reads the one clock (engage.core.clock) that tests
move, never the wall clock itself."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from engage.core.clock import city_today, utcnow

WALL_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|datetime\.today\(|"
                        r"\btime\.time\(|func\.now\(|CURRENT_TIMESTAMP")


def test_no_domain_module_reads_the_wall_clock() -> None:
    package = Path(__file__).resolve().parents[2] / "engage"
    readers = [f"{path.relative_to(package)}:{n}" for path in package.rglob("*.py")
               if path.name != "clock.py"
               for n, line in enumerate(path.read_text().splitlines(), 1) if WALL_CLOCK.search(line)]
    assert readers == []


def test_the_clock_is_the_one_tests_move(time_machine) -> None:
    time_machine.move_to(datetime(2031, 2, 3, 4, 5, tzinfo=UTC), tick=False)
    assert utcnow() == datetime(2031, 2, 3, 4, 5, tzinfo=UTC)


def test_the_city_date_is_not_the_utc_date(app) -> None:
    # 17:30 in Seattle on 3 December is already 4 December in UTC
    evening = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
    assert city_today(evening) == date(2026, 12, 3)
    assert city_today(datetime(2026, 12, 4, 8, 30, tzinfo=UTC)) == date(2026, 12, 4)
