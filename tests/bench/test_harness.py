import json

import pytest

from bench.harness import Result, line, not_yet, percentile, under, write_results


def test_percentiles_of_samples():
    samples = list(range(1, 101))
    assert percentile(samples, 0.50) == pytest.approx(50.5)
    assert percentile(samples, 0.95) == pytest.approx(95.05)


def test_a_line_shows_figure_target_baseline_and_ratio():
    result = Result(
        "record_purchase, 8 workers",
        120.0,
        "tx/s",
        target=">= 20 % of pgbench",
        met=False,
        baseline_name="pgbench TPC-B",
        baseline=1000.0,
        ratio=0.12,
    )
    text = line(result)
    for part in ("record_purchase, 8 workers", "120.0 tx/s", ">= 20 % of pgbench", "1,000.0"):
        assert part in text
    assert text.endswith("0.12  MISSED")
    assert under("lookup by phone p95", 3.2, "ms", 5).status == "ok"


def test_a_missing_piece_is_reported_without_a_number():
    result = not_yet("dashboard page", "< 500 ms", "the dashboard (issue 10)")
    assert result.value is None and result.status == "n/a"
    assert "not yet available" in line(result)


def test_results_are_written_as_json(tmp_path):
    path = write_results(
        machine_info={"nproc": 2},
        dataset={"members": 10},
        results=[not_yet("import", "-", "later")],
        started=0,
        path=tmp_path / "results.json",
    )
    payload = json.loads(path.read_text())
    assert payload["machine"]["nproc"] == 2
    assert payload["figures"][0]["status"] == "n/a"
