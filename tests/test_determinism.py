"""Idempotency and determinism: the same deliveries give the same marts, however they arrive.

The landing set is the three-delivery company of tests/test_faults_input.py (2025-03-31,
2025-04-30, 2025-05-31: a customer snapshot, deltas, a correction of an earlier line, CRM).
Marts are compared by a content checksum per mart (row count and an order-independent md5 over
every row cast to text; `publish_log` excluded, it records when and what was published):

* at_once: all three deliveries, one refresh; then the same refresh again (nothing new to ingest).
* day_by_day: a refresh of the last delivery on top of a copy of the run's shared build of the
  first two (the landing folder grows by that delivery), then the command
  `python -m kansrijk.refresh --full-refresh` (its entry point, `main`, in this process). The step
  from the first delivery to the second is the crash chain of tests/test_faults_crash.py: its
  last, uninterrupted refresh must equal that shared build.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest

from kansrijk import settings as settings_mod
from kansrijk.refresh import main as refresh_main, refresh
from tests.support import copy_build, kansrijk_env
from tests.test_faults_input import DELIVERIES, company, mart_checksums


def _refresh(s, **kw) -> None:
    refresh(s, log=lambda *_: None, quiet=True, **kw)


@pytest.fixture(scope="module")
def at_once(tmp_path_factory):
    base = tmp_path_factory.mktemp("at_once")
    landing = company(base / "landing", upto=3)
    with kansrijk_env(base / "data", landing) as s:
        settings_mod.check(s)
        _refresh(s)
        first = mart_checksums(s.serving)
        _refresh(s)
        second = mart_checksums(s.serving)
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
