"""Every path and setting of kansrijk, read in one place.

Each setting is a ``KANSRIJK_<NAME>`` environment variable (the Makefile passes
its make variables of the same name through). Defaults live under DATA_DIR.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingError(Exception):
    """A setting the user must fix; the message is one sentence saying what to do."""


def _env(name: str, overrides: dict[str, str | None] | None = None) -> str | None:
    """KANSRIJK_<name> from the environment, unless `overrides` (from load()) names it."""
    value = overrides[name] if overrides and name in overrides else os.environ.get(f"KANSRIJK_{name}")
    return value if value not in (None, "") else None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing: Path
    warehouse: Path
    serving: Path
    quarantine: Path
    demo: bool  # LANDING was not set: the demo landing set is generated there
    csv_delimiter: dict[str, str]
    csv_decimal: dict[str, str]
    csv_encoding: dict[str, str]
    memory_limit: str | None
    threads: int | None
    temp_directory: Path
    pseudonymise: bool  # publish names and contact fields pseudonymised (analyst-facing copy)
    publish_parquet: bool  # also publish one Parquet file per mart next to the serving file
    # Publish guards (kansrijk.publish): the share of rows a mart may lose in one publish, and
    # the override that publishes anyway (a shrink, an emptied or dropped mart, a changed column)
    publish_max_shrink_pct: float = 50.0
    force_publish: bool = False
    # The DuckDB storage format the serving copy is written in: the oldest DuckDB the documented BI
    # readers bring (Superset's duckdb-engine env and Evidence's @duckdb/node-api: DuckDB 1.4) must open it
    serving_storage_version: str = "v1.4.0"
    # What dbt writes to <data dir>/logs/dbt.log: dbt's levels, `none` for no file log (the tests'
    # builds: formatting every event of ~600 nodes for a file nobody reads was a tenth of a build)
    dbt_log_level: str = "debug"
    # Dagster: when the scheduled refresh runs (cron, in this IANA time zone)
    schedule_cron: str = "0 6 * * *"
    schedule_timezone: str = "Europe/Amsterdam"
    # The secret salt of pseudonymised publishing (KANSRIJK_PSEUDONYM_SALT); None: one is
    # generated once and kept in <data dir>/.pseudonym_salt (kansrijk.publish.pseudonym_salt)
    pseudonym_salt: str | None = None
    # Apache Spark target (kansrijk.spark, docs/spark.md)
    spark_master: str = "local[2]"
    spark_warehouse_dir: Path | None = None  # None: <data dir>/spark-warehouse
    spark_shuffle_partitions: str = "2"
    # more settings of the local Spark session, "key=value;key=value" (spark.driver.extraJavaOptions
    # is added to the session's own)
    spark_conf: str = ""
    # Crash-test hook (kansrijk.runtime.pause_point): stop at this phase and sleep there
    test_pause_at: str | None = None
    test_pause_seconds: float = 300.0

    @property
    def gx_docs_dir(self) -> Path:
        return self.data_dir / "gx_docs"

    @property
    def parquet_dir(self) -> Path:
        return self.serving.with_name(self.serving.stem + "_parquet")

    @property
    def report_dir(self) -> Path:
        return self.data_dir / "report"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def bench_dir(self) -> Path:
        return self.data_dir / "bench"

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that profiles.yml reads."""
        env = {
            "KANSRIJK_WAREHOUSE": str(self.warehouse),
            "KANSRIJK_TEMP_DIRECTORY": str(self.temp_directory),
        }
        if self.memory_limit:
            env["KANSRIJK_MEMORY_LIMIT"] = self.memory_limit
        if self.threads:
            env["KANSRIJK_THREADS"] = str(self.threads)
        if self.spark_warehouse_dir:
            env["KANSRIJK_SPARK_WAREHOUSE_DIR"] = str(self.spark_warehouse_dir)
        return env

    def process_env(self, drop: tuple[str, ...] = ()) -> dict[str, str]:
        """The environment of a child process (dbt, Superset): this one's, less `drop`, plus :meth:`dbt_env`."""
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(self.dbt_env())
        env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        return env


def export_dbt_env(s: Settings) -> None:
    """Put :meth:`Settings.dbt_env` into this process's environment.

    Only for dbt runs this module cannot hand an environment to: dagster-dbt starts dbt with a
    copy of os.environ, and dbt-spark's session method reads profiles.yml in this process.
    Everything else passes settings as arguments.
    """
    os.environ.update(s.dbt_env())


@contextmanager
def dbt_environment(s: Settings):
    """:meth:`Settings.dbt_env` in this process's environment while a dbt command runs in it.

    dbt reads profiles.yml's ``env_var()`` from os.environ, also when it runs in this process
    (kansrijk.dbt_cli); the previous values come back afterwards, so the next command, with other
    settings, sees only its own.
    """
    env = {**s.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": os.environ.get("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_FLAG_VALUES = ("1", "true", "yes", "on", "0", "false", "no", "off")


class _Env:
    """One load()'s view of the KANSRIJK_* variables: the environment, unless overridden."""

    def __init__(self, overrides: dict[str, str | None]) -> None:
        self.overrides = overrides

    def __call__(self, name: str) -> str | None:
        return _env(name, self.overrides)

    def flag(self, name: str) -> bool:
        return (self(name) or "false").strip().lower() in ("1", "true", "yes", "on")

    def pct(self, name: str, default: float) -> float:
        """A percentage setting; NaN when it is not a number (check() then names it)."""
        try:
            return float(self(name) or default)
        except ValueError:
            return float("nan")

    def dialect(self, kind: str, default_erp: str, default_crm: str) -> dict[str, str]:
        return {"erp": self(f"ERP_CSV_{kind}") or default_erp, "crm": self(f"CRM_CSV_{kind}") or default_crm}


def load(**overrides: str | Path | None) -> Settings:
    """Read the settings from the environment (no checks; see :func:`check`).

    Keyword arguments override single settings by name, e.g. ``load(data_dir=run_dir,
    landing=folder, warehouse=None)`` (None: as if the variable were unset), so a command that
    refreshes elsewhere (make cdnow, make bench) passes its folders instead of writing os.environ.
    """
    env = _Env({k.upper(): (None if v is None else str(v)) for k, v in overrides.items()})
    data_dir = Path(env("DATA_DIR") or REPO_ROOT / "data").expanduser().resolve()
    landing_env = env("LANDING")
    landing = Path(landing_env).expanduser().resolve() if landing_env else data_dir / "demo" / "landing"

    def path(name: str, default: Path | None) -> Path | None:
        v = env(name)
        return Path(v).expanduser().resolve() if v else default

    threads = env("THREADS")
    return Settings(
        data_dir=data_dir,
        landing=landing,
        warehouse=path("WAREHOUSE", data_dir / "warehouse.duckdb"),
        serving=path("SERVING", data_dir / "serving.duckdb"),
        quarantine=path("QUARANTINE", data_dir / "quarantine"),
        demo=landing_env is None,
        # CSV dialect per source system. Dutch ERP exports: ';' and decimal commas.
        csv_delimiter=env.dialect("DELIMITER", ";", ","),
        csv_decimal=env.dialect("DECIMAL", ",", "."),
        csv_encoding=env.dialect("ENCODING", "utf-8", "utf-8"),
        memory_limit=env("MEMORY_LIMIT"),
        threads=int(threads) if threads else None,
        temp_directory=path("TEMP_DIRECTORY", data_dir / "tmp"),
        pseudonymise=env.flag("PSEUDONYMISE"),
        publish_parquet=env.flag("PUBLISH_PARQUET"),
        publish_max_shrink_pct=env.pct("PUBLISH_MAX_SHRINK_PCT", 50.0),
        force_publish=env.flag("FORCE_PUBLISH"),
        schedule_cron=env("SCHEDULE_CRON") or "0 6 * * *",
        schedule_timezone=env("SCHEDULE_TIMEZONE") or "Europe/Amsterdam",
        pseudonym_salt=env("PSEUDONYM_SALT"),
        spark_master=env("SPARK_MASTER") or "local[2]",
        spark_warehouse_dir=path("SPARK_WAREHOUSE_DIR", None),
        spark_shuffle_partitions=env("SPARK_SHUFFLE_PARTITIONS") or "2",
        spark_conf=env("SPARK_CONF") or "",
        test_pause_at=env("TEST_PAUSE_AT"),
        test_pause_seconds=float(env("TEST_PAUSE_SECONDS") or 300),
        serving_storage_version=env("SERVING_STORAGE_VERSION") or "v1.4.0",
        dbt_log_level=(env("DBT_LOG_LEVEL") or "debug").strip().lower(),
    )


DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")


def _writable_dir(setting: str, p: Path) -> None:
    if p.exists() and not p.is_dir():
        raise SettingError(f"{setting}={p} is a file, not a folder: point {setting} at a folder.")
    probe = p
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise SettingError(f"{setting}={p} lies inside the file {probe}: point {setting} at a folder.")
    try:  # os.access says yes to root everywhere; a real probe tells the truth
        tempfile.TemporaryFile(dir=probe).close()
    except OSError:
        raise SettingError(f"{setting}={p} is not writable: choose a folder you can write to.") from None


def _writable_file(setting: str, p: Path) -> None:
    if p.exists() and p.is_dir():
        raise SettingError(f"{setting}={p} is a folder, not a file: point {setting} at a .duckdb file.")
    _writable_dir(setting, p.parent)


def _known_storage_version(version: str) -> bool:
    """DuckDB itself says whether it can write this storage version (its list of releases, or latest)."""
    import duckdb

    if "'" in version:
        return False
    with duckdb.connect() as con:
        try:
            con.execute(f"attach ':memory:' as probe (storage_version '{version}')")
        except duckdb.InvalidInputException:
            return False
    return True


def check(s: Settings, *, need_landing: bool = True) -> Settings:
    """Fail with one sentence naming the setting before anything is written."""
    _writable_dir("KANSRIJK_DATA_DIR", s.data_dir)
    if need_landing and not s.demo:
        if not s.landing.exists():
            raise SettingError(f"LANDING={s.landing} does not exist: point LANDING at a landing folder of delivery folders.")
        if not s.landing.is_dir():
            raise SettingError(f"LANDING={s.landing} is a file: point LANDING at a folder of delivery folders.")
    _writable_file("WAREHOUSE", s.warehouse)
    _writable_file("SERVING", s.serving)
    _writable_dir("QUARANTINE", s.quarantine)
    for source, enc in s.csv_encoding.items():
        try:
            "x".encode(enc)
        except LookupError:
            raise SettingError(f"KANSRIJK_{source.upper()}_CSV_ENCODING={enc} is not an encoding Python knows: use utf-8 or cp1252.") from None
    if not 0 <= s.publish_max_shrink_pct <= 100:  # NaN fails this too
        raise SettingError(f"KANSRIJK_PUBLISH_MAX_SHRINK_PCT={_env('PUBLISH_MAX_SHRINK_PCT')} is not a percentage:"
                           " set it to a number from 0 to 100 (default 50).")
    if not _known_storage_version(s.serving_storage_version):
        raise SettingError(f"KANSRIJK_SERVING_STORAGE_VERSION={s.serving_storage_version} is not a DuckDB storage version:"
                           " set it like v1.4.0 (the oldest DuckDB that must read the serving copy) or latest.")
    if s.dbt_log_level not in DBT_LOG_LEVELS:
        raise SettingError(f"KANSRIJK_DBT_LOG_LEVEL={_env('DBT_LOG_LEVEL')} is not a dbt log level:"
                           f" set it to one of {', '.join(DBT_LOG_LEVELS)} (default debug).")
    force = _env("FORCE_PUBLISH")
    if force is not None and force.strip().lower() not in _FLAG_VALUES:
        raise SettingError(f"KANSRIJK_FORCE_PUBLISH={force} is not a yes/no value: set it to 1 to publish"
                           " despite the publish guards, or leave it unset.")
    return s
