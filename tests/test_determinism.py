"""Idempotency and determinism: the same deliveries give the same marts, however they arrive.

The landing set is the three-delivery company of tests/test_faults_input.py (2025-03-31,
2025-04-30, 2025-05-31: a customer snapshot, deltas, a correction of an earlier line, CRM).
Marts are compared by a content checksum per mart (row count and an order-independent md5 over
every row cast to text; `publish_log` excluded, it records when and what was published):

* at_once: all three deliveries, one refresh; then the same refresh again with nothing new to
  ingest, forced to build (`rebuild`); then once more as a refresh runs it, which skips the build.
* day_by_day: a refresh of the last delivery on top of a copy of the run's shared build of the
  first two (the landing folder grows by that delivery), then the command
  `python -m kansrijk.refresh --full-refresh` (its entry point, `main`, in this process). The step
  from the first delivery to the second is the crash chain of tests/test_faults_crash.py: its
  last, uninterrupted refresh must equal that shared build.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil

import duckdb
import pytest

from kansrijk import settings as settings_mod
from kansrijk.dbt_cli import (BUILD_STATE, build_args, build_key, code_digest, forget_build, last_results, run_dbt,
                              unchanged_build)
from kansrijk.refresh import main as refresh_main, refresh
from kansrijk.runtime import RefreshError
from tests.support import copy_build, kansrijk_env
from tests.test_faults_input import DELIVERIES, company, mart_checksums


def _refresh(s, said: list | None = None, **kw):
    return refresh(s, log=(said.append if said is not None else lambda *_: None), quiet=True, **kw)


@pytest.fixture(scope="module")
def at_once_runs(tmp_path_factory):
    """The three refreshes of the at-once landing set: checksums, results, what the third said."""
    base = tmp_path_factory.mktemp("at_once")
    landing = company(base / "landing", upto=3)
    with kansrijk_env(base / "data", landing) as s:
        settings_mod.check(s)
        _refresh(s)
        first = mart_checksums(s.serving)
        second_run = _refresh(s, rebuild=True)
        second = mart_checksums(s.serving)
        said: list[str] = []
        third_run = _refresh(s, said)
        third = mart_checksums(s.serving)
        results = last_results(s)
    return {"s": s, "checksums": (first, second, third), "second": second_run, "third": third_run,
            "said": said, "run_results": results}


@pytest.fixture(scope="module")
def at_once(at_once_runs):
    first, second, _ = at_once_runs["checksums"]
    return first, second


@pytest.fixture(scope="module")
def day_by_day(two_deliveries_build, tmp_path_factory):
    base = tmp_path_factory.mktemp("day_by_day")
    full = company(base / "all", upto=3)
    # the first two deliveries' refresh is the run's shared build (tests/conftest.py), copied
    data = copy_build(two_deliveries_build, base)
    landing = base / "landing"
    assert sorted(p.name for p in landing.iterdir()) == list(DELIVERIES[:2])
    with kansrijk_env(data, landing) as s:
        settings_mod.check(s)
        for d in DELIVERIES[2:]:
            shutil.copytree(full / d, landing / d)
            _refresh(s)
        incremental = mart_checksums(s.serving)
        # the command's own entry point, in this process: a child process would only add its start
        # and a parse of the project (~25 s); the crash chain runs the command as a child process
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = refresh_main(["--full-refresh"])
        assert code == 0, out.getvalue() + err.getvalue()
        assert "kansrijk: published" in out.getvalue()
        full = mart_checksums(s.serving)
    return incremental, full


def test_every_mart_is_checked(at_once) -> None:
    first, _ = at_once
    assert len(first) >= 20  # every contract mart, not a handful
    assert {"dim_customer", "mart_customer_profitability", "mart_customer_segments"} <= set(first)
    assert first["mart_customer_profitability"][0] > 0


def test_same_deliveries_twice_give_identical_marts(at_once) -> None:
    first, second = at_once
    assert second == first


def test_day_by_day_equals_all_at_once(at_once, day_by_day) -> None:
    incremental, _ = day_by_day
    first, _ = at_once
    diff = sorted(t for t in set(first) | set(incremental) if first.get(t) != incremental.get(t))
    assert not diff, diff


def test_full_refresh_after_incremental_runs_changes_nothing(at_once, day_by_day) -> None:
    incremental, full = day_by_day
    assert full == incremental == at_once[0]


def test_a_refresh_with_nothing_new_skips_the_build_and_keeps_the_marts(at_once_runs) -> None:
    # the third refresh: no landing file loaded, the same code and settings as the forced second one
    first, second, third = at_once_runs["checksums"]
    second_run, third_run = at_once_runs["second"], at_once_runs["third"]
    assert third == second == first
    # no dbt command ran: the build it reports is the second one, whose run_results are still the last
    assert third_run.dbt_invocation_id == second_run.dbt_invocation_id
    assert at_once_runs["run_results"]["metadata"]["invocation_id"] == second_run.dbt_invocation_id
    assert any(line.startswith("kansrijk: nothing new since the last build") for line in at_once_runs["said"])
    assert third_run.seconds["dbt_build"] < second_run.seconds["dbt_build"] / 10
    # the run output still says what could not be computed, from that build's checks
    assert third_run.warnings == second_run.warnings


def test_the_build_key_changes_with_what_a_build_reads(at_once_runs, tmp_path) -> None:
    """On a copy of the at-once build: each change a refresh must build for gives another key."""
    data = copy_build(at_once_runs["s"], tmp_path)
    with kansrijk_env(data, tmp_path / "landing") as s:
        args = build_args()
        key = build_key(s, args)
        assert key is not None and build_key(s, args) == key  # reading it writes nothing
        assert build_key(s, build_args({"as_of_date": "2025-05-31"})) != key
        # the record of the last build goes before any dbt command that writes, so a build that stops
        # (here: bad vars) is never taken for it
        (s.data_dir / BUILD_STATE).write_text(json.dumps({"key": key, "dbt_invocation_id": "x", "built_at": "t"}))
        assert unchanged_build(s, args)["dbt_invocation_id"] == "x"
        with pytest.raises(RefreshError):
            run_dbt(s, "build", "--vars", "{not json", quiet=True)
        assert not (s.data_dir / BUILD_STATE).exists() and unchanged_build(s, args) is None
        forget_build(s)  # and twice is harmless
        with duckdb.connect(str(s.warehouse)) as con:  # a landing file loaded after the build
            through = con.execute("select max(loaded_at) from raw._ingest_ledger where status = 'loaded'").fetchall()[0][0]
            con.execute("insert into raw._ingest_ledger (file_path, delivery, table_name, rows, loaded_at, status)"
                        " values ('x.csv', 'x', 'erp_customers', 0, now()::timestamp, 'loaded')")
        loaded = build_key(s, args)
        assert loaded not in (None, key)
        # ... or while the build ran (a standalone ingest): not taken for a file the build read
        assert build_key(s, args, loaded_through=through) is None
        with duckdb.connect(str(s.warehouse)) as con:  # a mart changed by something else than a build
            con.execute("delete from marts.dim_customer where customer_key in"
                        " (select customer_key from marts.dim_customer limit 1)")
        assert build_key(s, args) not in (None, key, loaded)
        with duckdb.connect(str(s.warehouse)) as con:  # no business date: the as-of date is today's
            assert con.execute("select (select count(invoice_date) from raw.erp_sales_invoices),"
                               " (select count(activity_date) from raw.crm_activities)").fetchall()[0] > (0, 0)
            con.execute("update raw.erp_sales_invoices set invoice_date = null")
            con.execute("update raw.crm_activities set activity_date = null")
        assert build_key(s, args) is None


def test_the_code_digest_reads_contents_not_times(tmp_path) -> None:
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1 as x\n")
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    digest = code_digest(tmp_path)
    os.utime(model, (1, 1))  # a fresh clone: other modification times, the same files
    assert code_digest(tmp_path) == digest
    model.write_text("select 2 as x\n")
    assert code_digest(tmp_path) != digest
    (tmp_path / "kansrijk").mkdir()
    (tmp_path / "kansrijk" / "clv.py").write_text("RATE = 1\n")  # the Python the models call
    assert code_digest(tmp_path) not in (digest, code_digest(tmp_path.parent / "nothing here"))
