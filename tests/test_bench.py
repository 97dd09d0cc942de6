"""The benchmarks' plumbing, without running one: every script imports and parses its
arguments (``--help``, ``--quick``), ``bench/all.py`` knows every script, and the RATIO
lines it collects parse. CI's ``make bench-quick`` runs them for real."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import pytest

from bench import all as bench_all
from bench import harness

ROOT = Path(__file__).resolve().parents[1]
#: Modules of bench/ that are not benchmarks.
NOT_BENCHMARKS = {"__init__", "all", "harness", "bench_app"}


def test_all_runs_every_benchmark() -> None:
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py")} - NOT_BENCHMARKS
    assert set(bench_all.BENCHMARKS) == scripts


@pytest.mark.parametrize("name", bench_all.BENCHMARKS)
def test_help_offers_quick(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module(f"bench.{name}")
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0
    assert "--quick" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "sizes"), [
    ("web_submit", harness.GUNICORN_QUICK),
    ("campaign", {"contacts": 500, "send": 100, "rounds": 1}),
    ("import_contacts", {"rows": 2000}),
])
def test_quick_sets_small_sizes(name: str, sizes: dict[str, object]) -> None:
    module = importlib.import_module(f"bench.{name}")
    args = module.parse_args(["--quick"])
    assert args.quick
    assert {k: getattr(args, k) for k in sizes} == sizes
    assert not module.parse_args([]).quick


def test_an_option_given_beats_quick() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    harness.add_quick_argument(ap, {"rows": 2000})
    assert harness.parse_quick(ap, ["--quick"], {"rows": 2000}).rows == 2000
    assert harness.parse_quick(ap, ["--quick", "--rows", "10"], {"rows": 2000}).rows == 10
    assert harness.parse_quick(ap, ["--seed", "3"], {"rows": 2000}).rows == 200_000


def test_ratio_line_parses() -> None:
    line = harness.ratio_line("campaign", "send:engage/raw", 0.126, "aim >= 0.5", False, False,
                              "texts/s engage 31 raw 234")
    assert line == "RATIO campaign send:engage/raw 0.13 (aim >= 0.5: NOT met) texts/s engage 31 raw 234"
    assert harness.parse_ratio_line(line + "\n") == {
        "bench": "campaign", "name": "send:engage/raw", "value": "0.13", "aim": "aim >= 0.5",
        "verdict": "NOT met", "details": "texts/s engage 31 raw 234"}
    quick = harness.ratio_line("import_contacts", "engage/baseline", 1.3, "aim engage < 60 s", True, True)
    assert harness.parse_ratio_line(quick)["verdict"] == harness.QUICK_NOTE
    assert harness.parse_ratio_line("engage/store 0.33x  (aim >= 0.6x: NOT met)") is None


def phases(engage_rps: float, engage_p99: float, store_rps: float, store_p99: float) -> dict:
    return {"engage": {"throughput_rps": engage_rps, "p99_ms": engage_p99},
            "store": {"throughput_rps": store_rps, "p99_ms": store_p99}}


def test_answer_path_aims() -> None:
    # store's p99 under 25 ms: both aims judged, on one line with both p99s
    line = harness.answer_path_ratio("sms_webhook", phases(70, 49.5, 100, 20.0), quick=False)
    assert line == ("RATIO sms_webhook engage/store 0.70 (aim >= 0.6 and p99 <= 50 ms: met) "
                    "p99 engage 49.5 ms store 20.0 ms")
    fields = harness.parse_ratio_line(
        harness.answer_path_ratio("sms_webhook", phases(70, 51, 100, 20.0), quick=False))
    assert fields["verdict"] == "NOT met"
    # store's own p99 at 25 ms or more: the p99 aim does not apply
    fields = harness.parse_ratio_line(
        harness.answer_path_ratio("web_submit", phases(70, 300, 100, 31.2), quick=False))
    assert (fields["aim"], fields["verdict"]) == ("aim >= 0.6", "met")
    assert fields["details"].endswith("(p99 aim not applicable: store p99 >= 25 ms)")
    # quick: never judged
    fields = harness.parse_ratio_line(
        harness.answer_path_ratio("voice_webhook", phases(10, 900, 100, 20.0), quick=True))
    assert fields["verdict"] == harness.QUICK_NOTE


def test_all_fails_without_a_ratio_line_and_never_wipes_test() -> None:
    assert bench_all.Outcome("results", 0, 1.0, ["RATIO results x 1.00 (aim <= 2: met)"]).ok
    assert not bench_all.Outcome("results", 0, 1.0, []).ok
    assert not bench_all.Outcome("results", 1, 1.0, ["RATIO results x 1.00 (aim <= 2: met)"]).ok
    with pytest.raises(SystemExit):
        bench_all.parse_args(["--database-url", "postgresql://127.0.0.1/test"])
    assert bench_all.parse_args(["--quick"]).timeout == 300
