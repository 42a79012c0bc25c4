"""The headless refresh: ingest → validate → dbt build (models + tests) → audit → publish.

`python -m kansrijk.refresh` runs it on the configured landing folder (`make run`).
Each step stops the refresh with one sentence naming what failed; the serving copy is
then left exactly as it was. One refresh at a time per data directory (a file lock).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kansrijk import settings as settings_mod
from kansrijk.publish import PublishError, publish
from kansrijk.settings import REPO_ROOT, Settings, SettingError


class RefreshError(Exception):
    """A step of the refresh failed; the message is one sentence saying which and where."""


@dataclass
class RefreshResult:
    seconds: dict[str, float] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dbt_invocation_id: str | None = None


@contextmanager
def refresh_lock(s: Settings):
    """Hold the data directory's refresh lock; a second refresh is refused, never run beside."""
    s.data_dir.mkdir(parents=True, exist_ok=True)
    path = s.data_dir / ".refresh.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshError(
                f"Another refresh holds {path}: this one was skipped; wait for it to finish."
            ) from None
        yield


def pause_point(s: Settings, phase: str) -> None:
    """Test hook for the crash tests (tests/test_faults_crash.py); no effect unless set.

    With KANSRIJK_TEST_PAUSE_AT=<phase> the process writes ``<data_dir>/.paused-<phase>``
    and sleeps there (KANSRIJK_TEST_PAUSE_SECONDS, default 300), so a test can SIGKILL it at
    a known point. Phases: ``ingest`` (after each file merged into raw), ``publish`` (the new
    serving file is complete, just before the atomic swap).
    """
    if os.environ.get("KANSRIJK_TEST_PAUSE_AT") != phase:
        return
    (s.data_dir / f".paused-{phase}").write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("KANSRIJK_TEST_PAUSE_SECONDS", "300")))


def dbt_command(s: Settings, *args: str) -> list[str]:
    exe = Path(sys.executable).parent / "dbt"
    return [
        str(exe), *args,
        "--project-dir", str(REPO_ROOT),
        "--profiles-dir", str(REPO_ROOT),
        "--target-path", str(s.data_dir / "target"),
        "--log-path", str(s.data_dir / "logs"),
    ]


def dbt_env(s: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(s.dbt_env())
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def run_dbt(s: Settings, *args: str, quiet: bool = False) -> str | None:
    """Run a dbt command against the warehouse; return its invocation id or raise RefreshError."""
    s.temp_directory.mkdir(parents=True, exist_ok=True)
    results = s.data_dir / "target" / "run_results.json"
    results.unlink(missing_ok=True)  # an earlier run's results must not be read as this run's
    cmd = dbt_command(s, *args)
    out = subprocess.run(cmd, env=dbt_env(s), cwd=REPO_ROOT, capture_output=quiet, text=True)
    invocation_id = None
    failed: list[str] = []
    if results.exists():
        data = json.loads(results.read_text())
        invocation_id = data.get("metadata", {}).get("invocation_id")
        for r in data.get("results", []):
            if r.get("status") in ("error", "fail", "runtime error"):
                msg = (r.get("message") or "").strip().splitlines()
                failed.append(f"{r['unique_id']} ({msg[0] if msg else r['status']})")
    if out.returncode != 0:
        if quiet:
            sys.stderr.write((out.stdout or "")[-4000:])
        if failed:
            more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
            raise RefreshError(f"dbt {args[0]} failed at {failed[0]}{more}; the serving copy was left as it was.")
        raise RefreshError(f"dbt {args[0]} failed before running any model (see the dbt log above or "
                           f"{s.data_dir / 'logs' / 'dbt.log'}); the serving copy was left as it was.")
    return invocation_id


def gaps(s: Settings) -> list[str]:
    """What the method could not compute on this data, said in the run output (small inputs)."""
    checks = [
        ("select string_agg(model || ' (' || message || ')', '; ' order by model) from"
         " (select distinct model, message from marts.clv_model_fit where not fitted)",
         "CLV: model(s) could not be fitted: {n}; mart_customer_clv uses the fallback estimates instead"
         " (purchases_estimate 'shrunk_rate', spend_estimate 'shrunk_mean')."),
        ("select count(*) from marts.mart_cost_reconciliation where unallocated_amount <> 0",
         "Cost allocation: {n} month × cost-center pool(s) stay (partly) unallocated; see marts.mart_cost_reconciliation.unallocated_reason."),
        # --- stock (issue 22): the optional erp_stock_levels table (landing contract v1.1) ---
        ("select case when bool_or(has_stock_levels) then 0 else count(*) end from marts.mart_product_stock_policy",
         "Stock: the landing set has no erp_stock_levels; mart_product_stock_policy gives the policy for {n} product(s)"
         " but leaves its stock columns (on_hand_qty, days_of_cover, excess_stock_value, ...) null, and"
         " mart_segment_stock its stock value."),
        ("select count(*) from marts.mart_segment_scorecard where market_companies is null",
         "Segments: {n} segment(s) have no market figures in seed market_universe; their market penetration is null."),
        ("select case when exists (select 1 from marts.dim_customer where customer_key = 'unknown')"
         " then cast(coalesce(sum(revenue), 0) as varchar) end"
         " from marts.mart_customer_profitability where customer_key = 'unknown'",
         "Orphan invoice lines: {n} EUR revenue sits under customer_key 'unknown' (their invoice never arrived);"
         " see marts.dim_customer and marts.mart_customer_profitability."),
    ]
    out = []
    with duckdb.connect(str(s.serving), read_only=True) as con:
        for sql, msg in checks:
            try:
                n = con.sql(sql).fetchall()[0][0]
            except duckdb.Error:
                continue  # the mart is not part of this build
            if n:
                out.append(msg.format(n=n))
    return out


def ensure_demo(s: Settings) -> None:
    """Generate the demo landing set once (deterministic, so a second run would write the same)."""
    marker = s.landing.parent / ".demo-complete"  # beside, not inside, the landing folder
    if marker.exists() and s.landing.is_dir():
        return
    from kansrijk import demo

    s.landing.mkdir(parents=True, exist_ok=True)
    demo.generate(s.landing)
    marker.write_text("generated by python -m kansrijk.demo\n")


def refresh(s: Settings, *, dbt_vars: dict | None = None, full_refresh: bool = False,
            log=print, quiet: bool = False) -> RefreshResult:
    from kansrijk.ingest import ingest_landing

    res = RefreshResult()
    with refresh_lock(s):
        if s.demo:
            t = time.perf_counter()
            ensure_demo(s)
            res.seconds["demo"] = time.perf_counter() - t
        t = time.perf_counter()
        ingested = ingest_landing(s)
        res.seconds["ingest"] = time.perf_counter() - t
        log(ingested.summary())
        if ingested.quarantined:
            raise RefreshError(
                f"{len(ingested.quarantined)} file(s) quarantined, first: {ingested.quarantined[0].message} "
                f"Moved to {s.quarantine}; the serving copy was left as it was."
            )
        t = time.perf_counter()
        args = ["build"]
        if dbt_vars:
            args += ["--vars", json.dumps(dbt_vars)]
        if full_refresh:
            args.append("--full-refresh")
        res.dbt_invocation_id = run_dbt(s, *args, quiet=quiet)
        res.seconds["dbt_build"] = time.perf_counter() - t
        t = time.perf_counter()
        try:
            res.row_counts = publish(s, dbt_invocation_id=res.dbt_invocation_id)
        except PublishError as e:
            raise RefreshError(str(e)) from None
        res.seconds["publish"] = time.perf_counter() - t
        res.warnings = gaps(s)
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vars", help="dbt vars as JSON, e.g. '{\"as_of_date\": \"2026-10-31\"}'")
    p.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    a = p.parse_args(argv)
    try:
        s = settings_mod.check(settings_mod.load())
        res = refresh(s, dbt_vars=json.loads(a.vars) if a.vars else None, full_refresh=a.full_refresh)
    except (SettingError, RefreshError) as e:
        print(f"kansrijk: {e}", file=sys.stderr)
        return 1
    for w in res.warnings:
        print(f"kansrijk: warning: {w}")
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in res.seconds.items())
    print(f"kansrijk: published {len(res.row_counts)} marts to {s.serving} ({phases}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
