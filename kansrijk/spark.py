"""The kansrijk build on Apache Spark (dbt-spark, ``method: session``, target ``spark``).

One process, one Spark session, one Derby metastore under the Spark warehouse directory:

1. ``load_raw``: the ingest writes DuckDB (``raw.*``, contract typed, merged per key). Each raw
   table is exported to Parquet with DuckDB and registered as the Spark table ``raw.<table>``, so
   the dbt sources are the same on both engines.
2. ``dbt build --target spark`` of everything except the CLV fit and what reads it (seeds load
   through dbt seed as usual).
3. ``fit_clv``: the two dbt Python models of the CLV fit (``int_clv_parameters_fitted``,
   ``int_clv_purchases_predicted``) cannot run on the session method. Their own ``model()``
   functions run here on the per-customer summary ``int_clv_customer_summary`` (one small row per
   customer, collected to pandas) and the results are written as Spark tables
   ``clv_fit.int_clv_parameters_fitted`` / ``clv_fit.int_clv_purchases_predicted``.
4. ``dbt build`` of the rest: on Spark the SQL models ``models/intermediate/clv/spark/`` take
   the two Python models' names and read those tables, so the marts are unchanged.

``python -m kansrijk.spark`` runs it on the current settings (KANSRIJK_DATA_DIR, KANSRIJK_WAREHOUSE,
...); ``--ingest`` first runs the DuckDB ingest of KANSRIJK_LANDING. See docs/spark.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kansrijk import settings as settings_mod
from kansrijk.dbt_cli import console, failures, log_file, parsed_project
from kansrijk.settings import REPO_ROOT, Settings

CLV_MODELS = ("int_clv_parameters_fitted", "int_clv_purchases_predicted", "int_clv_repeat_purchases_expected")
CLV_DIR = REPO_ROOT / "models" / "intermediate" / "clv"
CLV_SCHEMA = "clv_fit"
INTERMEDIATE_SCHEMA = "intermediate"
MARTS_SCHEMA = "marts"


class SparkBuildError(RuntimeError):
    """A step of the Spark build failed; the message names the step and the first error."""


def warehouse_dir(s: Settings) -> Path:
    """Spark warehouse and Derby metastore directory: KANSRIJK_SPARK_WAREHOUSE_DIR or DATA_DIR/spark-warehouse."""
    return s.spark_warehouse_dir or s.data_dir / "spark-warehouse"


def extra_conf(text: str) -> dict[str, str]:
    """KANSRIJK_SPARK_CONF, "key=value;key=value", as a dict; a pair without "=" is an error."""
    pairs = [p.strip() for p in text.split(";") if p.strip()]
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise SparkBuildError(f"KANSRIJK_SPARK_CONF: {bad[0]!r} is not key=value (pairs are separated by ';')")
    return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}


def spark_conf(s: Settings) -> dict[str, str]:
    """The session settings; the same as the `spark` output of profiles.yml, plus KANSRIJK_SPARK_CONF."""
    wh = warehouse_dir(s).resolve()
    conf = {
        "spark.master": s.spark_master,
        "spark.sql.warehouse.dir": str(wh),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={wh}/metastore_db;create=true",
        "spark.sql.shuffle.partitions": s.spark_shuffle_partitions,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        # dbt-spark sets this for its connections too: casts and division by zero give null
        "spark.sql.ansi.enabled": "false",
        # derby.log next to the metastore, not in the working directory
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={wh}",
    }
    for key, value in extra_conf(s.spark_conf).items():
        java = key == "spark.driver.extraJavaOptions"
        conf[key] = f"{conf[key]} {value}" if java else value
    return conf


def session(s: Settings):
    """The process's Spark session (created once; dbt-spark's session method reuses it)."""
    from pyspark.sql import SparkSession

    wh = warehouse_dir(s)
    wh.mkdir(parents=True, exist_ok=True)
    # dbt-spark's session method reads profiles.yml in this process
    settings_mod.export_dbt_env(dataclasses.replace(s, spark_warehouse_dir=wh.resolve()))
    builder = SparkSession.builder.appName("kansrijk").enableHiveSupport()
    for key, value in spark_conf(s).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def load_raw(spark, s: Settings) -> list[str]:
    """Register every ``raw.*`` table of the DuckDB warehouse as the Spark table ``raw.<table>``.

    DuckDB writes one Parquet file per table under DATA_DIR/spark-raw (types as in the warehouse:
    decimals, dates, booleans); the Spark tables are external tables on those folders, so keep
    DATA_DIR/spark-raw until the next load replaces it.
    """
    import duckdb

    out = s.data_dir / "spark-raw"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'raw' and table_type = 'BASE TABLE' order by table_name").fetchall()]
        for t in tables:
            # one folder per table; Spark skips names starting with '_' (raw._ingest_ledger)
            folder = out / f"raw.{t}"
            folder.mkdir()
            con.execute(f"copy (select * from raw.\"{t}\") to '{folder}/data.parquet' (format parquet)")
    finally:
        con.close()
    spark.sql("create database if not exists raw")
    for t in tables:
        spark.sql(f"drop table if exists raw.`{t}`")
        spark.sql(f"create table raw.`{t}` using parquet location '{(out / f'raw.{t}').resolve()}'")
    return tables


def dbt_args(s: Settings) -> list[str]:
    return [
        "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT), "--target", "spark",
        "--target-path", str(s.data_dir / "target-spark"), "--log-path", str(s.data_dir / "logs-spark"),
        *log_file(s),
    ]


def run_dbt(s: Settings, command: str, *args: str, dbt_vars: dict | None = None, quiet: bool = True) -> None:
    """Run dbt in this process (so it uses this process's Spark session); raise on failure."""
    from dbt.cli.main import dbtRunner

    cli = [command, *args, *dbt_args(s)]
    if dbt_vars:
        cli += ["--vars", json.dumps(dbt_vars)]
    cli += console(quiet)
    results = s.data_dir / "target-spark" / "run_results.json"
    results.unlink(missing_ok=True)  # an earlier run's results must not be read as this run's
    # the two halves of the build (before and after the CLV fit) share one parse
    result = dbtRunner(manifest=parsed_project(dbt_args(s), ("spark", str(s.data_dir)))).invoke(cli)
    if not result.success:
        failed = failures(json.loads(results.read_text())) if results.exists() else []
        detail = "; ".join(f"{uid}: {msg}" for uid, msg in failed[:5]) or str(result.exception)
        raise SparkBuildError(f"dbt {command} {' '.join(args)} failed on Spark: {detail}")


class _Ref:
    def __init__(self, frame):
        self._frame = frame

    def df(self):
        return self._frame


class _Dbt:
    """The part of the dbt Python-model API the CLV models use: config() and ref().df()."""

    def __init__(self, spark, given: dict):
        self._spark = spark
        self._given = given

    def config(self, **_):
        return None

    def ref(self, name: str):
        if name in self._given:
            return _Ref(self._given[name])
        return _Ref(self._spark.table(f"{INTERMEDIATE_SCHEMA}.{name}").toPandas())


def _model_function(name: str):
    spec = importlib.util.spec_from_file_location(f"kansrijk_clv_model_{name}", CLV_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


def _to_spark(spark, frame, table: str) -> None:
    """Write a pandas frame of the CLV models as a Spark table (nullable floats stay null)."""
    from pyspark.sql import types as T

    fields = []
    for col, dtype in frame.dtypes.items():
        kind = str(dtype).lower()
        if kind.startswith(("float", "double")):
            t = T.DoubleType()
        elif kind.startswith(("int", "uint")):
            t = T.LongType()
        elif kind.startswith("bool"):
            t = T.BooleanType()
        else:
            t = T.StringType()
        fields.append(T.StructField(col, t, True))
    import pandas as pd

    rows = [
        tuple(None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else
              (float(v) if isinstance(f.dataType, T.DoubleType) else
               int(v) if isinstance(f.dataType, T.LongType) else
               bool(v) if isinstance(f.dataType, T.BooleanType) else str(v))
              for v, f in zip(rec, fields))
        for rec in frame.astype(object).itertuples(index=False, name=None)
    ]
    spark.sql(f"drop table if exists {table}")
    spark.createDataFrame(rows, T.StructType(fields)).write.format("parquet").saveAsTable(table)


def fit_clv(spark) -> None:
    """The CLV fit beside the build: the Python models' own code on the collected summary."""
    spark.sql(f"create database if not exists {CLV_SCHEMA}")
    given: dict = {}
    for name in CLV_MODELS:  # fitted parameters first: the predictions read them
        frame = _model_function(name)(_Dbt(spark, given), spark)
        given[name] = frame
        _to_spark(spark, frame, f"{CLV_SCHEMA}.{name}")


def build(s: Settings, *, dbt_vars: dict | None = None, tests: bool = True, quiet: bool = True,
          log=print) -> dict[str, float]:
    """Raw tables, dbt build before the CLV fit, the fit, dbt build of the rest; seconds per step."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    spark = session(s)
    timings["session"] = time.perf_counter() - t
    steps = [
        ("raw", lambda: load_raw(spark, s)),
        ("dbt before clv fit", lambda: run_dbt(
            s, "build" if tests else "run", "--exclude", *(f"{m}+" for m in CLV_MODELS),
            *(["--indirect-selection", "cautious"] if tests else []), dbt_vars=dbt_vars, quiet=quiet)),
        ("clv fit", lambda: fit_clv(spark)),
        ("dbt after clv fit", lambda: run_dbt(
            s, "build" if tests else "run", "--select", *(f"{m}+" for m in CLV_MODELS),
            dbt_vars=dbt_vars, quiet=quiet)),
    ]
    if not tests:  # dbt run does not load seeds
        steps.insert(1, ("dbt seed", lambda: run_dbt(s, "seed", dbt_vars=dbt_vars, quiet=quiet)))
    for name, step in steps:
        t = time.perf_counter()
        step()
        timings[name] = time.perf_counter() - t
        log(f"spark: {name} {timings[name]:.1f} s")
    return timings


def export_marts(spark, out: Path) -> list[str]:
    """Write every table of schema marts as Parquet folders ``out/<table>`` (for comparisons)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    names = sorted(r.tableName for r in spark.sql(f"show tables in {MARTS_SCHEMA}").collect()
                   if not r.isTemporary)
    for name in names:
        spark.table(f"{MARTS_SCHEMA}.{name}").coalesce(1).write.parquet(str(out / name))
    return names


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kansrijk.spark", description=__doc__.splitlines()[0])
    p.add_argument("--ingest", action="store_true", help="first run the DuckDB ingest of KANSRIJK_LANDING")
    p.add_argument("--vars", default=None, help="dbt vars as JSON, as for dbt --vars")
    p.add_argument("--no-tests", action="store_true", help="dbt seed + run instead of dbt build")
    p.add_argument("--export-marts", default=None, help="write the marts as Parquet folders here")
    p.add_argument("--verbose", action="store_true", help="dbt's own output")
    a = p.parse_args(argv)
    s = settings_mod.load()
    if a.ingest:  # in a child process: the ingest keeps its DuckDB handle for the process's life
        code = "from kansrijk import settings, ingest; ingest.ingest_landing(settings.load())"
        subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
    t0 = time.perf_counter()
    timings = build(s, dbt_vars=json.loads(a.vars) if a.vars else None, tests=not a.no_tests,
                    quiet=not a.verbose)
    if a.export_marts:
        export_marts(session(s), Path(a.export_marts))
    timings["total"] = time.perf_counter() - t0
    print(json.dumps({k: round(v, 1) for k, v in timings.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
