"""Smoke test of the benchmark: `bench/run.py` end to end on 400 customers over 1 year.

Asserts only that the run completes and that result.json carries every figure as a positive
number; the figures themselves depend on the machine and the scale (`make bench` reports them at
100,000 customers, `make bench CUSTOMERS=10000` is the small preset). The smoke runs every phase of
the benchmark but (e), the refresh with nothing new (`--no-rerun`: one more build, calling the same
refresh steps as the daily one), on a set small enough that it costs less than one demo refresh in
`make test`.
One year is also a short history for the CLV fit: it fits a + b < 1 (BG/NBD), where the closed
form of a new customer's expected purchases fails; before kansrijk.clv computed it as a Beta
mixture, this run stopped at a clv_tracking test (tests/test_clv.py has the figures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import refresh_environment

REPO = Path(__file__).resolve().parent.parent
KEYS = ["customers", "invoice_lines", "ingest_s", "full_refresh_s", "lower_bound_s", "incremental_s", "peak_rss_mb",
        "warehouse_mb", "full_refresh_over_lower_bound", "incremental_over_full_refresh", "ingest_lines_per_s",
        "validation_s_per_million", "ingest_cpu_s", "full_refresh_test_nodes_s", "incremental_test_nodes_s",
        "full_refresh_publish_s", "incremental_publish_s"]


CUSTOMERS, YEARS = 400, 1


def test_bench_runs_end_to_end(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANSRIJK_")}
    env["KANSRIJK_TEMP_DIRECTORY"] = str(tmp_path / "tmp")
    env.update(refresh_environment())
    out = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--customers", str(CUSTOMERS),
                          "--years", str(YEARS), "--data-dir", str(tmp_path), "--no-rerun"], env=env, cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    result = json.loads((tmp_path / "bench" / "result.json").read_text())
    for k in KEYS:
        assert isinstance(result[k], (int, float)) and result[k] > 0, (k, result.get(k))
    assert result["customers"] == CUSTOMERS and result["errors"] == []
    assert result["delta_lines"] > 0 and result["lower_bound_customers"] > 0
    assert len(result["lower_bound_runs_s"]) == 3 and result["lower_bound_s"] == sorted(result["lower_bound_runs_s"])[1]
    for k in ("ingest_s", "full_refresh_s", "lower_bound_s", "incremental_s", "peak_rss_mb"):
        assert k in out.stdout  # the printed table
    # the landing set is kept for reuse and the daily delivery was removed from it
    landing = tmp_path / "bench" / f"landing_c{CUSTOMERS}_y{YEARS}"
    assert (landing / ".bench-complete").exists()
    daily = json.loads((tmp_path / "bench" / "model_timings_daily.json").read_text())
    assert any(r["node"].startswith("test.") for r in daily)
    assert sorted(d.name for d in landing.iterdir() if d.is_dir()) == json.loads(
        (landing / ".bench-complete").read_text())["deliveries"]
