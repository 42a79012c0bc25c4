"""Helpers for tests: write a hand-made landing set, run the real refresh on it.

No mocks: `build_warehouse` runs, by default, the same ingest, dbt build and publish as
`make run`, into a data directory of the test's own.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from kansrijk import settings as settings_mod
from kansrijk.contract import TABLES

# The default CSV dialects of settings.py: ERP ';' with decimal commas, CRM ',' with points.
DIALECT = {"erp": (";", ","), "crm": (",", ".")}


def _fmt(value, decimal_sep: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", decimal_sep)
    return str(value)


def write_landing(root: Path, delivery: str, tables: dict[str, list[dict]]) -> Path:
    """Write `<root>/<delivery>/<table>.csv` for each table, columns in contract order.

    Rows are dicts keyed by contract column; missing keys are written empty (null).
    Values: str, int, float/Decimal (written with the source's decimal separator),
    bool, date/datetime (ISO), None.
    """
    folder = Path(root) / delivery
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        table = TABLES[name]
        delim, dec = DIALECT[table.source]
        unknown = {k for r in rows for k in r} - set(table.column_names)
        if unknown:
            raise KeyError(f"{name}: no such contract column(s) {sorted(unknown)}")
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=delim)
            w.writerow(table.column_names)
            for r in rows:
                w.writerow([_fmt(r.get(c), dec) for c in table.column_names])
    return folder


# The settings of every refresh a test runs, in-process (kansrijk_env) or as a child process
# (tests.test_faults_input.cli_env, tests/test_bench.py), unless a test says otherwise. dbt runs one
# thread: `make test` already keeps both cores busy with two workers, and a second dbt thread per
# build only adds switching (measured on a fixture build: 19.0 s of CPU with two threads, 17.2 s with
# one, the same wall time alone). Nor does it write its debug log file: a test reads what failed from
# the command's error, and formatting every event of a build for that file cost about a tenth of it.
TEST_SETTINGS = {"threads": "1", "dbt_log_level": "none"}


def refresh_environment(**settings: str) -> dict[str, str]:
    """TEST_SETTINGS and `settings` as KANSRIJK_<NAME> environment variables."""
    return {f"KANSRIJK_{k.upper()}": v for k, v in {**TEST_SETTINGS, **settings}.items()}


@contextmanager
def kansrijk_env(data_dir: Path, landing: Path | None = None, **extra: str):
    """Point every KANSRIJK_* setting at data_dir (and landing) for the duration, with the
    TEST_SETTINGS unless `extra` says otherwise."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("KANSRIJK_")}
    for k in saved:
        del os.environ[k]
    os.environ["KANSRIJK_DATA_DIR"] = str(data_dir)
    if landing is not None:
        os.environ["KANSRIJK_LANDING"] = str(landing)
    os.environ.update(refresh_environment(**extra))
    try:
        yield settings_mod.load()
    finally:
        for k in [k for k in os.environ if k.startswith("KANSRIJK_")]:
            del os.environ[k]
        os.environ.update(saved)


def build_warehouse(tmp_path: Path, landing: Path, vars: dict | None = None, *,
                    publish: bool = True, report: bool = False, select: tuple[str, ...] = (),
                    data_tests: bool = True, allow_quarantine: bool = False,
                    **settings: str) -> settings_mod.Settings:
    """Run the real refresh on `landing` into `tmp_path/data`; return the settings used.

    With publish=True (default) this is `make run LANDING=...` (kansrijk.refresh.refresh): ingest,
    dbt build with every data test (the reconciliations among them), publish to the serving copy
    and the lists; the report, the last step, only with report=True (the report's own tests draw
    it from the demo; on a fixture it would only cost time).

    publish=False runs the refresh's ingest (a quarantined file stops it, unless allow_quarantine)
    and its dbt build, and stops there: no publish, no lists. With it, `select` (see
    :func:`selection`) builds only the named nodes, what they read, and the data tests that read
    only built nodes: a module that checks a few marts on a hand-made company builds what it reads,
    not every model and data test. data_tests=False builds every seed and model without the data
    tests, for a reference whose data tests run elsewhere on the same data (the Spark comparison).
    Open `s.warehouse` or `s.serving` with duckdb.connect(..., read_only=True).
    """
    from kansrijk import refresh as refresh_mod
    from kansrijk.dbt_cli import build_args, run_dbt

    if publish and (select or not data_tests):
        raise ValueError("build_warehouse: select and data_tests=False build a part of the project; "
                         "a publish needs all of it (publish=False)")
    with kansrijk_env(Path(tmp_path) / "data", landing, **settings) as s:
        settings_mod.check(s)
        if publish:
            refresh_mod.refresh(s, dbt_vars=vars, log=lambda *_: None, quiet=True, with_report=report)
        else:
            refresh_mod.ingest(s, log=lambda *_: None, stop_on_quarantine=not allow_quarantine)
            part = [*(selection(*select) if select else ()),
                    *(() if data_tests else ("--exclude-resource-type", "test"))]
            run_dbt(s, *build_args(vars), *part, quiet=True)
        return s


def selection(*nodes: str) -> list[str]:
    """dbt arguments that build `nodes` and every node they read (`+node`), with the data tests
    that read only built nodes (cautious): a test that also reads a node outside the selection (a
    `sums_match` or `relationships` against another subject's mart or dim_segment) is left out,
    since that node is not built.

    For the modules that check their subject's figures on a hand-made company: the figures they
    assert come from these nodes alone. Every data test still runs on the builds that are not
    about one subject: the demo, the property examples, the fault companies, small inputs and
    the CLV fit fallback (and on Spark, the Spark comparison).
    """
    return ["--select", *(f"+{n}" for n in nodes), "--indirect-selection", "cautious"]


def built_manifest(s: settings_mod.Settings) -> dict:
    """The dbt manifest of the project as built by a refresh (e.g. `demo_build`): the same nodes as
    `dbt parse`, without a parse of its own."""
    return json.loads((s.data_dir / "target" / "manifest.json").read_text())


def copy_build(s: settings_mod.Settings, to: Path) -> Path:
    """A private copy of a shared build's data directory (warehouse, serving copy, ledgers), for a
    test that writes: `to`/data; dbt's target folder, logs and temporary files stay behind. With
    the landing folder (`to`/landing) when the build has one of its own."""
    data = to / "data"
    shutil.copytree(s.data_dir, data, ignore=shutil.ignore_patterns("target", "logs", "gx_docs", "tmp"))
    if not s.demo:
        shutil.copytree(s.landing, to / "landing")
    return data
