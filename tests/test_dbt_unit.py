"""dbt's unit tests: the hand-computed fixtures of the SQL's logic, run once per test run.

A refresh builds every seed, model and data test but not the unit tests (kansrijk.dbt_cli.BUILD):
they check the code on fixed inputs, not the delivered data, so they belong to `make test`, not to
every refresh. Here they run with `dbt test` on a copy of the demo warehouse (unit tests read the
column types of the models they feed from the warehouse); every unit test of the project must run
and pass.
"""

from __future__ import annotations

import json
import shutil

from kansrijk.dbt_cli import BUILD, run_dbt
from tests.support import kansrijk_env


def test_refresh_build_leaves_unit_tests_out(demo_build) -> None:
    results = json.loads((demo_build.data_dir / "target" / "run_results.json").read_text())
    kinds = {r["unique_id"].split(".")[0] for r in results["results"]}
    assert "unit_test" not in kinds and {"model", "test", "seed"} <= kinds
    assert BUILD[0] == "build"


def test_every_unit_test_passes(demo_build, tmp_path, capfd) -> None:
    """Also the log settings: a quiet command prints nothing; KANSRIJK_DBT_LOG_LEVEL=info writes
    dbt's file log without its debug lines (the demo build, under the tests' `none`, wrote none)."""
    assert not (demo_build.data_dir / "logs" / "dbt.log").exists()
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(demo_build.warehouse, data / "warehouse.duckdb")
    capfd.readouterr()
    with kansrijk_env(data, dbt_log_level="info") as s:
        run_dbt(s, "test", "--select", "resource_type:unit_test", quiet=True)  # raises when one fails
        manifest = json.loads((s.data_dir / "target" / "manifest.json").read_text())
        results = json.loads((s.data_dir / "target" / "run_results.json").read_text())
    assert capfd.readouterr().out == ""
    log = (data / "logs" / "dbt.log").read_text()
    defined = set(manifest["unit_tests"])
    assert log.count(" PASS ") == len(defined)  # dbt's line per unit test, at info
    assert "[debug]" not in log and "[info ]" in log
    ran = {r["unique_id"]: r["status"] for r in results["results"]}
    assert len(defined) >= 17  # the lifecycle, cohort, funnel, currency and ABC fixtures, among others
    assert set(ran) == defined
    assert set(ran.values()) == {"pass"}
