"""bench_cases at toy sizes: it runs, measures, and delivers every alert."""
from __future__ import annotations

import pytest

from cases.bench import bench_cases


@pytest.mark.slow
def test_bench_cases_small(tmp_path):
    result = bench_cases(tmp_path, histories=(2_000, 6_000), cases=300, rate=40, duration_s=2.0, places=50)
    assert [run["history_posts"] for run in result["runs"]] == [2_000, 6_000]
    for run in result["runs"]:
        assert run["batches"] >= 5 and run["alerts"] > 0
        assert run["p99_ingest_to_outbox_s"] is not None and run["undelivered"] == 0
    assert "rule_time_ratio" in result
