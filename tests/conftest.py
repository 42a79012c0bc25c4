"""Shared fixtures. `demo_build` runs the real `make run` path once per test session."""

from __future__ import annotations

import sys

import pytest

# `make test` runs modules on pytest-xdist workers, whose __main__ (execnet's) has neither a
# __spec__ nor a __file__. pyspark's Spark Connect import check (imported by Great Expectations)
# takes such a process for a doctest run and exits it quietly (SystemExit 0) when its optional
# gRPC packages are missing; it lets an interactive session (sys.ps1 set) through. __main__ is
# left alone: multiprocessing's spawned children re-import it from its __file__.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__") and not hasattr(sys, "ps1"):
    sys.ps1 = ">>> "

from kansrijk import settings as settings_mod
from tests.support import kansrijk_env

# `make test` hands whole modules to two workers in collection order (--dist loadfile with
# --no-loadscope-reorder: without it pytest-xdist sends the modules with the most tests first). The
# longest modules go first, so that no long one starts last and runs on alone while the other worker
# idles (the longest first is the usual rule for balancing jobs on a few machines).
LONGEST_FIRST = ("test_spark", "test_determinism", "test_faults_crash", "test_serving_readers",
                 "test_property_landing", "test_bi_superset", "test_orchestration", "test_incremental",
                 "test_bench", "test_whatif", "test_planning", "test_faults_input")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        module = item.path.stem
        return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order of the other modules and of tests within a module stays


def shared_build(tmp_path_factory, worker_id: str, name: str, make_landing=None) -> settings_mod.Settings:
    """A refresh (as `make run`) built once per test run, not once per pytest-xdist worker.

    The first worker to need it builds it under a file lock in the run's shared temporary folder;
    the others wait and read it. `make_landing(folder)` writes the landing set into `folder`
    (None: the demo set that `make run` generates). Tests open the build read-only or copy it
    (tests.support.copy_build); none writes into it.
    """
    import fcntl

    from kansrijk.refresh import refresh

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # shared by every worker of this run
    base = root / f"{name}_shared"
    with open(root / f"{name}_shared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / ".built"
        landing = None
        if make_landing is not None:
            landing = base / "landing"
            if not done.exists():
                make_landing(landing)
        with kansrijk_env(base / "data", landing) as s:
            if not done.exists():
                settings_mod.check(s)
                refresh(s, log=lambda *_: None, quiet=True)
                done.write_text("built\n")
    return s


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, worker_id) -> settings_mod.Settings:
    """The default demo landing set, refreshed and published exactly as `make run` does, once per
    test run. Tests open it read-only or write beside it (report, docs), never into the warehouse."""
    return shared_build(tmp_path_factory, worker_id, "demo")


@pytest.fixture(scope="session")
def one_delivery_build(tmp_path_factory, worker_id) -> settings_mod.Settings:
    """The company of tests/test_faults_input.py with its first delivery (2025-03-31), refreshed and
    published once per test run: the start of the determinism and crash chains, which copy it."""
    from tests.test_faults_input import company

    return shared_build(tmp_path_factory, worker_id, "one_delivery", lambda folder: company(folder, upto=1))


@pytest.fixture(scope="session")
def two_deliveries_build(tmp_path_factory, worker_id) -> settings_mod.Settings:
    """The company of tests/test_faults_input.py with its first two deliveries (2025-03-31,
    2025-04-30), refreshed and published once per test run (`s.landing` is its landing folder)."""
    from tests.test_faults_input import company

    return shared_build(tmp_path_factory, worker_id, "two_deliveries", lambda folder: company(folder, upto=2))
