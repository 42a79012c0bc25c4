"""Performance benchmark: ingest, full refresh, engine lower bound, one daily delivery.

    python bench/run.py --customers 100000 [--years 5] [--data-dir DIR]     (make bench)

1. Generates the demo landing set (kansrijk.demo) in ``<data dir>/bench/landing_c<N>_y<Y>`` and
   reuses it on the next run (marker file ``.bench-complete`` with the row counts).
2. Times, into a fresh data dir ``<data dir>/bench/run``:
   (a) ingest + validation of every landing file,
   (b) full refresh: ``dbt build`` of every model and test, then publish,
   (c) the engine lower bound: ONE DuckDB query joining raw invoice lines to invoices and
       aggregating net amount, cost, line count, first and last date per customer (run three
       times, the median counts: ``lower_bound_runs_s`` holds all three),
   (d) one extra daily delivery (a day of new invoices + lines and a few re-sent, changed lines of
       old invoices, in the contract's CSV dialect, dated the day after the last delivery), then
       ingest + the refresh it triggers; the folder is removed afterwards so the set stays reusable,
   (e) a refresh with nothing new to ingest (``--no-rerun`` leaves out (e) and (f)): what a scheduled
       run costs when no delivery came (the dbt build is skipped, kansrijk.refresh.dbt_build),
   (f) the same refresh forced to build (``--rebuild``): what every build costs before any
       delivery's own work (the as-of-date figures and every check are rebuilt),
   (g) peak resident memory (this process and its children) and the warehouse file size.
3. Prints a table and writes ``<data dir>/bench/result.json`` (and dbt's per-node timings of the
   full refresh to ``<data dir>/bench/model_timings.json``, of the daily build to
   ``<data dir>/bench/model_timings_daily.json``, of the forced build (f) to
   ``model_timings_rebuild.json``; ``*_test_nodes_s`` sums the data-test nodes; ``heaviest_nodes`` and
   ``heaviest_nodes_daily`` are the ten slowest nodes of the full refresh and of the daily build).
   ``ingest_cpu_s`` is the CPU time of (a) (all threads): on a busy machine it moves less than the
   wall time.
   ``*_publish_s`` is the publish step of a refresh; ``incremental_marts_published`` counts the marts
   the daily publish kept unchanged, patched by month or wrote anew (kansrijk.publish).

DuckDB's memory limit and temp directory come from KANSRIJK_MEMORY_LIMIT / KANSRIJK_TEMP_DIRECTORY
(default here: 6GB, so peak RSS stays under 8 GiB on a 24 GiB machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from kansrijk import settings as settings_mod  # noqa: E402
from kansrijk.contract import TABLES  # noqa: E402

DEFAULT_MEMORY_LIMIT = "6GB"
RESENT_LINES = 25  # re-sent, changed lines of old invoices in the daily delivery
LOWER_BOUND_SQL = """
select i.customer_id, sum(l.net_amount) as net_amount, sum(l.cost_amount) as cost_amount,
       count(*) as lines, min(i.invoice_date) as first_date, max(i.invoice_date) as last_date
from raw.erp_sales_invoice_lines as l
join raw.erp_sales_invoices as i on i.invoice_id = l.invoice_id
group by i.customer_id
"""


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def landing_set(bench: Path, customers: int, years: int, seed: int) -> tuple[Path, dict]:
    """The demo landing set of this size: reused when complete, else generated."""
    landing = bench / f"landing_c{customers}_y{years}"
    marker = landing / ".bench-complete"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("customers") == customers and info.get("years") == years and info.get("seed", 42) == seed:
            for d in landing.iterdir():  # a delta left behind by an interrupted run
                if d.is_dir() and d.name not in info["deliveries"]:
                    shutil.rmtree(d)
            log(f"reusing the landing set {landing} (generated in {info['seconds']:.0f} s)")
            return landing, info
    from kansrijk import demo

    log(f"generating the demo landing set: {customers} customers, {years} years ...")
    t = time.perf_counter()
    counts = demo.generate(landing, customers, None, years, seed)
    info = {"customers": customers, "years": years, "seed": seed, "counts": counts,
            "seconds": time.perf_counter() - t,
            "deliveries": sorted(d.name for d in landing.iterdir() if d.is_dir())}
    marker.write_text(json.dumps(info, indent=1))
    log(f"generated in {info['seconds']:.0f} s")
    return landing, info


def _dec(col: str, sep: str) -> str:
    return f"replace(cast({col} as varchar), '.', '{sep}')" if sep != "." else f"cast({col} as varchar)"


def write_delta(s: settings_mod.Settings, landing: Path) -> tuple[str, int, int]:
    """One day of new invoices + lines and a few re-sent changed lines of old invoices; (delivery, invoices, lines)."""
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        last = con.execute("select max(delivery) from raw._ingest_ledger where status = 'loaded'").fetchone()[0]
        day = dt.date.fromisoformat(last[:10]) + dt.timedelta(days=1)
        delivery = day.isoformat()
        folder = landing / delivery
        folder.mkdir()
        delim, sep = s.csv_delimiter["erp"], s.csv_decimal["erp"]
        opts = f"(HEADER, DELIMITER '{delim}', QUOTE '\"', ESCAPE '\"', NULLSTR '')"
        con.execute("create temp table src as select * from raw.erp_sales_invoices "
                    "where invoice_date = (select max(invoice_date) from raw.erp_sales_invoices) and not _is_deleted")
        inv = TABLES["erp_sales_invoices"].column_names
        exprs = {c: c for c in inv}
        exprs.update(invoice_id="'B' || invoice_id", invoice_date=f"date '{delivery}'",
                     due_date=f"cast(date '{delivery}' + interval 30 day as date)")
        sel = ", ".join(f"{exprs[c]} as {c}" for c in inv)
        con.execute(f"copy (select {sel} from src order by invoice_id) to '{folder / 'erp_sales_invoices.csv'}' {opts}")
        lines = TABLES["erp_sales_invoice_lines"].column_names
        dec = {c for c in lines if TABLES["erp_sales_invoice_lines"].column(c).type == "decimal"}

        def fmt(exprs: dict[str, str]) -> str:
            return ", ".join(f"{_dec(exprs.get(c, 'l.' + c), sep) if c in dec else exprs.get(c, 'l.' + c)} as {c}"
                             for c in lines)

        renamed = fmt({"invoice_id": "'B' || l.invoice_id"})
        new_lines = (f"select {renamed} "
                     "from raw.erp_sales_invoice_lines l join src using (invoice_id)")
        # re-sent lines of old invoices: one more point of discount, net amount recomputed
        disc = "least(coalesce(l.discount_pct, 0) + 1, 100)"
        resent = (f"select {fmt({'discount_pct': disc, 'net_amount': f'round(l.quantity * l.unit_price * (1 - {disc} / 100), 2)'})} "
                  f"from raw.erp_sales_invoice_lines l where l.quantity is not null and l.unit_price is not null "
                  f"order by l.invoice_id, l.line_no limit {RESENT_LINES}")
        con.execute(f"copy ({new_lines} union all ({resent})) to '{folder / 'erp_sales_invoice_lines.csv'}' {opts}")
        n_inv = con.execute("select count(*) from src").fetchone()[0]
        n_lines = con.execute(f"select count(*) from ({new_lines})").fetchone()[0] + RESENT_LINES
    finally:
        con.close()
    return delivery, n_inv, n_lines


def dbt_refresh(s: settings_mod.Settings, errors: list[str], rebuild: bool = False) -> float:
    """The refresh's dbt build and publish steps (kansrijk.refresh); failures are recorded, not raised.
    Returns the seconds of the publish."""
    from kansrijk import refresh
    from kansrijk.runtime import RefreshError

    inv = None
    try:
        inv = refresh.dbt_build(s, quiet=True, rebuild=rebuild, log=lambda _: None)
    except RefreshError as e:
        errors.append(str(e))
    t = time.perf_counter()
    try:
        refresh.publish(s, inv)
    except (RefreshError, duckdb.Error) as e:
        errors.append(f"publish: {e}")
    return time.perf_counter() - t


def tables_written(s: settings_mod.Settings) -> dict[str, int]:
    """What the last publish wrote: marts kept unchanged, monthly marts with only changed months, marts written anew."""
    with duckdb.connect(str(s.serving), read_only=True) as con:
        written = json.loads(con.execute("select tables_written from marts.publish_log"
                                         " order by published_at desc limit 1").fetchall()[0][0])
    return {"unchanged": sum(v == "unchanged" for v in written.values()),
            "changed_months_only": sum(isinstance(v, list) for v in written.values()),
            "written": sum(v == "all" for v in written.values())}


def model_timings(s: settings_mod.Settings) -> list[dict]:
    path = s.data_dir / "target" / "run_results.json"
    if not path.exists():
        return []
    rows = [{"node": r["unique_id"], "status": r["status"], "seconds": round(r.get("execution_time") or 0, 3)}
            for r in json.loads(path.read_text()).get("results", [])]
    return sorted(rows, key=lambda r: -r["seconds"])


def test_node_seconds(timings: list[dict]) -> float:
    """Node time of the data tests (and unit tests) of one dbt build."""
    return round(sum(r["seconds"] for r in timings if r["node"].startswith(("test.", "unit_test."))), 3)


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return kb / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=100000)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data-dir", type=Path, default=None, help="default: the configured KANSRIJK_DATA_DIR")
    p.add_argument("--no-rerun", action="store_true", help="leave out (e) and (f), the refresh with nothing new, skipped and forced")
    a = p.parse_args(argv)

    base = (a.data_dir.expanduser().resolve() if a.data_dir else settings_mod.load().data_dir)
    bench = base / "bench"
    bench.mkdir(parents=True, exist_ok=True)
    landing, info = landing_set(bench, a.customers, a.years, a.seed)
    counts = info["counts"]
    for t, n in counts.items():
        print(f"  {t:28s} {n:>12,d}")

    run_dir = bench / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    s = settings_mod.check(settings_mod.load(
        data_dir=run_dir, landing=landing, warehouse=None, serving=None, quarantine=None, temp_directory=None,
        memory_limit=settings_mod.load().memory_limit or DEFAULT_MEMORY_LIMIT))
    errors: list[str] = []
    res: dict = {"customers": a.customers, "years": a.years, "invoice_lines": counts["erp_sales_invoice_lines"],
                 "landing_rows": sum(counts.values()), "memory_limit": s.memory_limit, "cpus": os.cpu_count()}

    from kansrijk import refresh

    log("(a) ingest + validation ...")
    t, c = time.perf_counter(), cpu_s()
    ing = refresh.ingest(s, log=lambda _: None, stop_on_quarantine=False)
    res["ingest_s"] = time.perf_counter() - t
    res["ingest_cpu_s"] = cpu_s() - c
    if ing.quarantined:
        (landing / ".bench-complete").unlink(missing_ok=True)  # files were moved: regenerate next time
        raise SystemExit(f"bench: ingest quarantined {len(ing.quarantined)} file(s): {ing.quarantined[0].message}")
    res["ingested_rows"] = ing.rows_loaded
    res["ingest_rows_per_s"] = ing.rows_loaded / res["ingest_s"]
    res["ingest_lines_per_s"] = ing.rows_loaded / res["ingest_s"]  # every landing row (lines and other tables)
    res["validation_s_per_million"] = ing.validation_seconds_per_million or 0.0

    log("(b) full refresh: dbt build + publish ...")
    t = time.perf_counter()
    res["full_refresh_publish_s"] = dbt_refresh(s, errors)
    res["full_refresh_s"] = time.perf_counter() - t
    res["serving_mb_full_refresh"] = s.serving.stat().st_size / 2**20 if s.serving.exists() else 0.0
    timings = model_timings(s)
    (bench / "model_timings.json").write_text(json.dumps(timings, indent=1))
    res["full_refresh_test_nodes_s"] = test_node_seconds(timings)

    log("(c) engine lower bound ...")
    con = duckdb.connect(str(s.warehouse), read_only=True, config={"memory_limit": s.memory_limit or "80%"})
    try:
        runs = []
        for _ in range(3):  # the median of three: one run of a 2-second query moves by a fifth
            t = time.perf_counter()
            n_customers = len(con.execute(LOWER_BOUND_SQL).fetchall())
            runs.append(time.perf_counter() - t)
        res["lower_bound_runs_s"] = runs
        res["lower_bound_s"] = sorted(runs)[1]
    finally:
        con.close()
    res["lower_bound_customers"] = n_customers

    log("(d) one daily delivery: ingest + refresh ...")
    delivery, n_inv, n_lines = write_delta(s, landing)
    # a daily run is a new process: it parses the project again (dbt's partial parse), not the
    # full refresh's parse kept in this one
    from kansrijk.dbt_cli import forget_parsed

    forget_parsed()
    daily: list[dict] = []
    try:
        t = time.perf_counter()
        inc = refresh.ingest(s, log=lambda _: None, stop_on_quarantine=False)
        res["incremental_ingest_s"] = time.perf_counter() - t
        if inc.quarantined:
            errors.append(f"daily delivery quarantined: {inc.quarantined[0].message}")
        res["incremental_publish_s"] = dbt_refresh(s, errors)
        res["incremental_s"] = time.perf_counter() - t
        res["incremental_marts_published"] = tables_written(s)
        res["serving_mb_daily"] = s.serving.stat().st_size / 2**20
        daily = model_timings(s)
        (bench / "model_timings_daily.json").write_text(json.dumps(daily, indent=1))
        res["incremental_test_nodes_s"] = test_node_seconds(daily)
    finally:
        shutil.rmtree(landing / delivery, ignore_errors=True)
    res.update(delta_delivery=delivery, delta_invoices=n_inv, delta_lines=n_lines)

    if not a.no_rerun:
        log("(e) a refresh with nothing new ...")
        forget_parsed()
        t = time.perf_counter()
        refresh.ingest(s, log=lambda _: None, stop_on_quarantine=False)
        res["rerun_publish_s"] = dbt_refresh(s, errors)
        res["rerun_s"] = time.perf_counter() - t
        res["rerun_marts_published"] = tables_written(s)
        res["rerun_over_incremental"] = res["rerun_s"] / res["incremental_s"]
        log("(f) the same refresh forced to build (--rebuild) ...")
        forget_parsed()
        t = time.perf_counter()
        refresh.ingest(s, log=lambda _: None, stop_on_quarantine=False)
        res["rebuild_publish_s"] = dbt_refresh(s, errors, rebuild=True)
        res["rebuild_s"] = time.perf_counter() - t
        res["rebuild_marts_published"] = tables_written(s)
        rebuild = model_timings(s)
        (bench / "model_timings_rebuild.json").write_text(json.dumps(rebuild, indent=1))
        res["rebuild_test_nodes_s"] = test_node_seconds(rebuild)
        res["rebuild_over_incremental"] = res["rebuild_s"] / res["incremental_s"]

    res["peak_rss_mb"] = peak_rss_mb()
    res["warehouse_mb"] = s.warehouse.stat().st_size / 2**20
    res["full_refresh_over_lower_bound"] = res["full_refresh_s"] / res["lower_bound_s"]
    res["incremental_over_full_refresh"] = res["incremental_s"] / res["full_refresh_s"]
    res["heaviest_nodes"] = timings[:10]
    res["heaviest_nodes_daily"] = daily[:10]
    res["errors"] = errors
    (bench / "result.json").write_text(json.dumps(res, indent=1, default=str))

    print()
    for k in ["customers", "invoice_lines", "landing_rows", "ingest_s", "ingest_cpu_s", "ingest_lines_per_s",
              "validation_s_per_million", "full_refresh_s", "full_refresh_test_nodes_s", "lower_bound_s",
              "full_refresh_publish_s", "full_refresh_over_lower_bound", "incremental_ingest_s", "incremental_s",
              "incremental_publish_s", "incremental_test_nodes_s", "serving_mb_full_refresh", "serving_mb_daily",
              "incremental_over_full_refresh", "rerun_s", "rebuild_s", "rebuild_test_nodes_s", "peak_rss_mb",
              "warehouse_mb"]:
        if k not in res:
            continue
        v = res[k]
        print(f"  {k:32s} {v:>14,.2f}" if isinstance(v, float) else f"  {k:32s} {v:>14,}")
    print(f"  daily publish: {res.get('incremental_marts_published')}")
    for label, nodes in (("full refresh", timings), ("daily", daily)):
        print(f"  heaviest dbt nodes ({label}):")
        for r in nodes[:10]:
            print(f"    {r['seconds']:8.1f} s  {r['node']}")
    for e in errors:
        print(f"  ERROR: {e}")
    print(f"  written to {bench / 'result.json'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
