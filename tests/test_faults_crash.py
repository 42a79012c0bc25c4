"""A refresh killed with SIGKILL during ingest, during the dbt build and during publish.

`python -m kansrijk.refresh` runs as a subprocess in its own process group (so the dbt child
dies with it, as on a power cut) on the tiny company of tests/test_faults_input.py. The kill
points:

* ingest: KANSRIJK_TEST_PAUSE_AT=ingest makes the run sleep right after the first file of the run
  is merged into raw (kansrijk.runtime.pause_point; it writes <data_dir>/.paused-ingest first).
* dbt build: no hook; the test polls the dbt log and kills once dbt has created two table models.
* publish: KANSRIJK_TEST_PAUSE_AT=publish sleeps when the new serving file is complete, just
  before the atomic rename.

The chain, on one data directory: delivery 2025-03-31 refreshed and published (the last good
serving copy; a copy of the run's shared build, `one_delivery_build` of tests/conftest.py),
delivery 2025-04-30 arrives, then: run 1 killed in ingest, run 2 killed in dbt,
run 3 killed in publish, run 4 uninterrupted. After each kill: the serving file is byte-identical
(sha256) to the last good one, the ingest ledger matches raw (every loaded file has exactly its
rows in raw by `_file`, no row without a loaded file), and the refresh lock is free. Run 4 must
publish the same marts (content checksum of every mart) as one uninterrupted refresh of both
deliveries in a fresh data directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from kansrijk import refresh as refresh_mod, runtime
from tests.support import copy_build, kansrijk_env
from tests.test_faults_input import REPO_ROOT, cli_env, company, ledger_consistent, mart_checksums, sha256

WAIT = 600  # seconds a phase may take on a busy 2-core machine


def start(data_dir: Path, landing: Path, log: Path, **settings: str) -> subprocess.Popen:
    """`python -m kansrijk.refresh` started in its own process group, its output to `log`."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "kansrijk.refresh"], cwd=REPO_ROOT,
                                env=cli_env(data_dir, landing, **settings),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(proc: subprocess.Popen, ready, what: str) -> None:
    t0 = time.monotonic()
    while not ready():
        if proc.poll() is not None:
            raise AssertionError(f"the refresh ended (exit {proc.returncode}) before {what}")
        if time.monotonic() - t0 > WAIT:
            kill(proc)
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the refresh and every process it started (its own process group), and wait until
    the whole group is gone: a dbt child that has not exited yet still holds the warehouse lock."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        try:
            os.killpg(proc.pid, 0)  # signal 0: is any process of the group left?
        except ProcessLookupError:
            return
        time.sleep(0.05)


def observe(s, landing: Path, good_sha: str) -> dict:
    """What a crash left behind."""
    obs = {"serving_same": sha256(s.serving) == good_sha}
    try:
        ledger_consistent(s.warehouse, landing)
        obs["ledger"] = "consistent"
    except AssertionError as e:
        obs["ledger"] = f"inconsistent: {e}"
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        obs["loaded"] = sorted(r[0] for r in con.execute(
            "select file_path from raw._ingest_ledger where status = 'loaded'").fetchall())
    try:
        with runtime.refresh_lock(s):
            obs["lock"] = "free"
    except refresh_mod.RefreshError as e:
        obs["lock"] = str(e)
    obs["stale_tmp"] = sorted(p.name for p in s.serving.parent.glob(f".{s.serving.name}.*"))
    return obs


@pytest.fixture(scope="module")
def chain(one_delivery_build, tmp_path_factory):
    base = tmp_path_factory.mktemp("crash")
    data = copy_build(one_delivery_build, base)  # the last good serving copy: delivery 2025-03-31
    landing = base / "landing"
    good_sha = sha256(data / "serving.duckdb")
    company(landing, upto=2)  # delivery 2025-04-30 arrives (2025-03-31 rewritten byte-identical)
    out: dict = {"good_sha": good_sha}
    with kansrijk_env(data, landing) as s:
        # run 1: killed in ingest, after the first file of 2025-04-30 was merged
        p = start(s.data_dir, landing, base / "run1.log", test_pause_at="ingest")
        wait_for(p, (s.data_dir / ".paused-ingest").exists, "the ingest pause")
        kill(p)
        (s.data_dir / ".paused-ingest").unlink()
        out["ingest"] = observe(s, landing, good_sha)
        # run 2: killed in the dbt build
        log = s.data_dir / "logs" / "dbt.log"
        offset = log.stat().st_size if log.exists() else 0  # the copy has no logs; run 1 wrote none

        def models_built() -> bool:
            if not log.exists():
                return False
            with open(log, "rb") as fh:
                fh.seek(offset)
                return fh.read().count(b"OK created sql table model") >= 2

        p = start(s.data_dir, landing, base / "run2.log", dbt_log_level="info")  # the log it polls
        wait_for(p, models_built, "dbt to build two table models")
        kill(p)
        out["dbt"] = observe(s, landing, good_sha)
        # run 3: killed in publish, the new serving file complete but not yet swapped in
        p = start(s.data_dir, landing, base / "run3.log", test_pause_at="publish")
        wait_for(p, (s.data_dir / ".paused-publish").exists, "the publish pause")
        out["publish_tmp_seen"] = sorted(x.name for x in s.serving.parent.glob(f".{s.serving.name}.*.tmp"))
        kill(p)
        (s.data_dir / ".paused-publish").unlink()
        out["publish"] = observe(s, landing, good_sha)
        # run 4: uninterrupted
        p = start(s.data_dir, landing, base / "run4.log")
        out["final_rc"] = p.wait(timeout=WAIT)
        out["final_log"] = (base / "run4.log").read_text(errors="replace")
        out["final"] = observe(s, landing, good_sha)
        out["final_marts"] = mart_checksums(s.serving)
    return out


@pytest.fixture(scope="module")
def reference(two_deliveries_build):
    """Both deliveries refreshed once, never interrupted (the run's shared build, read-only)."""
    return mart_checksums(two_deliveries_build.serving)


D1 = ["2025-03-31/" + f for f in ("erp_customers.csv", "erp_gl_entries.csv", "erp_products.csv",
                                   "erp_sales_invoice_lines.csv", "erp_sales_invoices.csv")]
D2 = ["2025-04-30/" + f for f in ("crm_accounts.csv", "crm_activities.csv", "erp_customers.csv", "erp_gl_entries.csv",
                                   "erp_payments.csv", "erp_sales_invoice_lines.csv", "erp_sales_invoices.csv")]


def test_kill_during_ingest(chain) -> None:
    obs = chain["ingest"]
    assert obs["serving_same"]
    assert obs["ledger"] == "consistent"
    # files are ingested in name order: the first file of 2025-04-30 is in, the rest are not
    assert obs["loaded"] == sorted(D1 + D2[:1])
    assert obs["lock"] == "free"


def test_kill_during_dbt_build(chain) -> None:
    obs = chain["dbt"]
    assert obs["serving_same"]
    assert obs["ledger"] == "consistent"
    assert obs["loaded"] == sorted(D1 + D2)  # ingest finished before dbt started
    assert obs["lock"] == "free"


def test_kill_during_publish(chain) -> None:
    assert len(chain["publish_tmp_seen"]) == 1  # the new serving file was complete, not yet swapped in
    obs = chain["publish"]
    assert obs["serving_same"]
    assert obs["ledger"] == "consistent"
    assert obs["lock"] == "free"


def test_next_run_completes_with_the_marts_of_an_uninterrupted_run(chain, reference) -> None:
    assert chain["final_rc"] == 0, chain["final_log"][-3000:]
    assert "kansrijk: published" in chain["final_log"]
    assert not chain["final"]["serving_same"]  # the new build is published
    assert chain["final"]["ledger"] == "consistent"
    assert chain["final"]["stale_tmp"] == []  # the killed publish's half-written file was cleaned up
    assert chain["final_marts"] == reference
