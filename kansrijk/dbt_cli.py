"""Running dbt against the warehouse, and the one reader of what a dbt run says went wrong.

`make run` (kansrijk.refresh), the benchmark and the test fixtures build with :func:`run_dbt`, which
runs dbt in this process; the Dagster dbt assets (orchestration.dbt_assets) start dbt through
dagster-dbt. Both read failures with :func:`failures`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kansrijk import settings as settings_mod
from kansrijk.runtime import RefreshError
from kansrijk.settings import REPO_ROOT, Settings

DBT = str(Path(sys.executable).parent / "dbt")  # the dbt of this environment
FAILED = ("error", "fail", "runtime error")
# What a refresh builds: every seed, model and data test. dbt's unit tests check the SQL's logic on
# fixed inputs, not the delivered data, so they run once per change of the code (`make test`,
# tests/test_dbt_unit.py), not in every refresh, as dbt advises for production runs.
BUILD = ("build", "--exclude-resource-type", "unit_test")


def build_args(dbt_vars: dict | None = None, full_refresh: bool = False) -> list[str]:
    """The arguments of a refresh's dbt build (BUILD, its vars, --full-refresh), for every runner."""
    args = list(BUILD)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if full_refresh:
        args.append("--full-refresh")
    return args


def dbt_args(s: Settings, target_path: Path | None = None) -> list[str]:
    """Where dbt finds the project and writes its artifacts (<data dir>/target) and log, for this
    data directory, and what goes into that log (KANSRIJK_DBT_LOG_LEVEL)."""
    return [
        "--project-dir", str(REPO_ROOT),
        "--profiles-dir", str(REPO_ROOT),
        "--target-path", str(target_path or s.data_dir / "target"),
        "--log-path", str(s.data_dir / "logs"),
        *log_file(s),
    ]


def log_file(s: Settings) -> list[str]:
    """What dbt writes to its log file (KANSRIJK_DBT_LOG_LEVEL), for every dbt command a run starts:
    the refresh's, Spark's and a Dagster run's."""
    return ["--log-level-file", s.dbt_log_level]


def console(quiet: bool) -> list[str]:
    """dbt's console output: quiet prints nothing. Not `--quiet`: that still formats every event of
    the build for the console (and scrubs it of secrets) before dropping all but the errors; a
    failed command is reported from its run_results.json either way."""
    return ["--log-level", "none"] if quiet else []


def failures(results: dict, warehouse: Path | None = None) -> list[tuple[str, str]]:
    """(unique_id, first line of the message) of every failed node in a run_results.json.

    With the warehouse, a failed `row_rules` test (macros/generic_tests.sql) says which of its rules
    broke and on how many rows, instead of dbt's "Got 2 results": its query, run again read-only,
    returns one row per broken rule."""
    out = []
    for r in results.get("results", []):
        if r.get("status") in FAILED:
            msg = (r.get("message") or "").strip().splitlines()
            msg = msg[0] if msg else r["status"]
            if warehouse is not None and r["unique_id"].split(".")[2].startswith(("row_rules_", "source_row_rules_")):
                msg = broken_rules(warehouse, r.get("compiled_code")) or msg
            out.append((r["unique_id"], msg))
    return out


def broken_rules(warehouse: Path, compiled: str | None, shown: int = 3) -> str | None:
    """"broken rules: <rule> (<n> rows); ..." from a row_rules test's compiled query, or None when
    the query cannot be run again (no warehouse, a temporary relation it read is gone)."""
    if not compiled or not Path(warehouse).exists():
        return None
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(f"select rule, failing_rows from ({compiled}) as t order by rule").fetchall()
    except duckdb.Error:
        return None
    if not rows:
        return None
    said = "; ".join(f"{rule} ({n} {'row' if n == 1 else 'rows'})" for rule, n in rows[:shown])
    more = f"; and {len(rows) - shown} more" if len(rows) > shown else ""
    return f"broken rules: {said}{more}"


def warned(results: dict, prefix: str = "test.") -> list[tuple[str, str]]:
    """(unique_id, compiled SQL) of every test that warned in a run_results.json, by name prefix."""
    return [(r["unique_id"], r["compiled_code"]) for r in results.get("results", [])
            if r.get("status") == "warn" and r["unique_id"].startswith(prefix) and r.get("compiled_code")]


def last_results(s: Settings) -> dict:
    """The run_results.json of the last dbt command against this data directory ({} when none)."""
    path = s.data_dir / "target" / "run_results.json"
    return json.loads(path.read_text()) if path.exists() else {}


LEFT_ALONE = "the serving copy was left as it was"


def failure_sentence(command: str, failed: list[tuple[str, str]], log: Path | None = None,
                     reason: str | None = None, left_alone: str = LEFT_ALONE) -> str:
    """One sentence for a failed dbt command, naming the first failed node (or dbt's own reason)."""
    if failed:
        uid, msg = failed[0]
        more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
        return f"dbt {command} failed at {uid} ({msg}){more}; {left_alone}."
    where = f" or {log}" if log else ""
    said = f"{reason}; " if reason else ""
    return f"dbt {command} failed before running any model ({said}see the dbt log above{where}); {left_alone}."


# The dbt project's files: a change to any of them means a new parse.
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml", "packages.yml", "dependencies.yml",
                 "models", "macros", "seeds", "tests/dbt", "snapshots", "analyses")
_parsed: tuple | None = None  # ((project fingerprint, profile), dbt's parsed Manifest) of this process


def _files(names: tuple[str, ...], root: Path = REPO_ROOT):
    """Every file under ``root`` of the folders or files ``names``, in a stable order (missing ones skipped)."""
    for name in names:
        top = root / name
        for p in sorted(top.rglob("*")) if top.is_dir() else [top] if top.exists() else []:
            if p.is_file():
                yield p


def _project_fingerprint() -> tuple:
    """Name, size and modification time of every file of the dbt project."""
    out = []
    for p in _files(PROJECT_FILES):
        st = p.stat()
        out.append((str(p.relative_to(REPO_ROOT)), st.st_size, st.st_mtime_ns))
    return tuple(out)


def parsed_project(location: list[str], profile: tuple):
    """dbt's parsed project, parsed once per process, state of the project's files and `profile`.

    What a parse yields depends on the project's files and on the profile (dbt-duckdb names the
    database after the warehouse file), not on --vars: vars are read when a node is compiled, at
    run time, never in a config or a ref (tests/test_dbt_parse.py proves it on this project). So
    the builds of one process (the test fixtures, each with its own warehouse and as-of date; the
    two halves of the Spark build) share one parse instead of paying for it in every build; dbt's
    own partial parse would start over on any change of vars or profile. The first parse of a
    process is dbt's own, with its partial parse. A command writes only what it compiles into the
    manifest's nodes (compiled code, relation names) and compiles every node it runs afresh, so
    the next command finds nothing of this one's. None when the parse fails: the command itself
    then parses again and reports the error.
    """
    from dbt.cli.main import dbtRunner

    global _parsed
    key = (_project_fingerprint(), profile)
    if _parsed is None or _parsed[0] != key:
        result = dbtRunner().invoke(["parse", "--quiet", *location])
        if not result.success:
            return None
        _parsed = (key, result.result)  # one project state per process: an older one is never used again
    return _parsed[1]


def forget_parsed() -> None:
    """Drop the process's parse: the next command parses as a new process would (with dbt's partial parse)."""
    global _parsed
    _parsed = None


def _release_warehouse() -> None:
    """Close dbt-duckdb's connection to the warehouse, which it keeps for the process's life."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        env = DuckDBConnectionManager.env()
    except Exception:  # no connection was opened
        return
    DuckDBConnectionManager.close_all_connections()
    env.close()


# What dbt builds relations of; a relation of any other name in their schemas is left over.
BUILT_RESOURCES = ("model", "seed", "snapshot")


def drop_removed_relations(s: Settings, manifest: Path) -> list[str]:
    """Drop the tables and views of models the project no longer has; return them as schema.name.

    dbt never drops the relation of a removed model: an upgraded warehouse would keep it for good,
    taking disk space, read by nobody and, in `marts`, published with the figures of its last build
    (docs/design.md, "Upgrading a warehouse"). Dropped: every table or view in a schema the
    project builds into (staging, intermediate, core, marts, semantic, reference) whose name no
    enabled model or seed of ``manifest`` (the manifest.json of the dbt command that just passed)
    has. Other schemas (``raw``, written by the ingest, or an analyst's own) are never read here.
    """
    nodes = json.loads(manifest.read_text()).get("nodes", {}).values()
    built: dict[str, set[str]] = {}
    for n in nodes:
        if n.get("resource_type") in BUILT_RESOURCES and n.get("config", {}).get("materialized") != "ephemeral":
            built.setdefault(n["schema"].lower(), set()).add((n.get("alias") or n["name"]).lower())
    if not built:
        return []
    import duckdb

    from kansrijk.ingest.sql import _q

    dropped = []
    with duckdb.connect(str(s.warehouse)) as con:
        found = con.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() where database_name = current_database()"
            " union all select schema_name, view_name, 'view' from duckdb_views()"
            " where not internal and database_name = current_database() order by 1, 2").fetchall()
        for schema, name, kind in found:
            if schema.lower() in built and name.lower() not in built[schema.lower()]:
                con.execute(f"drop {kind} if exists {_q(schema)}.{_q(name)}")
                dropped.append(f"{schema}.{name}")
    return dropped


# --------------------------------------------------------------------------- a build with nothing new
# A refresh whose dbt build would read exactly what the last passing build read (no landing file
# loaded since, the same project, code, packages and dbt arguments, the warehouse's tables as that
# build left them) gives the same marts (tests/test_determinism.py proves it), so it skips the build
# (kansrijk.refresh.dbt_build; docs/design.md, "A refresh with nothing new").
NOTHING_NEW = "nothing new since the last build"  # what a skipped build says, in a refresh and in Dagster
BUILD_STATE = "last_build.json"  # in the data directory: the key and invocation id of the last passing build
CODE_FILES = (*PROJECT_FILES, "kansrijk", "uv.lock")  # dbt's project, the Python its models call, the lock
CODE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md", ".py", ".lock"}


def code_digest(root: Path = REPO_ROOT) -> str:
    """sha256 of the contents (not the modification times) of every file a build's result depends on
    under ``root``: the dbt project (models, macros, seeds, data tests, dbt_project.yml, profiles.yml),
    the kansrijk package (the Python models call it) and uv.lock (every package's version)."""
    import hashlib

    h = hashlib.sha256()
    for f in _files(CODE_FILES, root):
        if f.suffix in CODE_SUFFIXES and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def build_key(s: Settings, args: list[str] | tuple[str, ...], loaded_through=None) -> str | None:
    """What a dbt build with ``args`` reads, as one digest, or None when a build must run whatever
    came before: no warehouse, or no invoice date and no activity date in raw (the as-of date is then
    today's, int_as_of_date), or, with ``loaded_through`` (the newest load a build read), a file
    loaded after it. The parts: the code (:func:`code_digest`), the Python version and every
    installed package with its version (the Python models' numpy and scipy among them), the
    arguments (vars), the warehouse path, the ingest ledger's loaded files (count and newest load)
    and every table of the warehouse with its row count (a table changed by anything else than
    this project's runs gives another key). The ingest's own bookkeeping (``raw._ingest_ledger``,
    ``raw._tested_loads``) is read through the ledger's loads only."""
    if not s.warehouse.exists():
        return None
    import hashlib
    from importlib.metadata import distributions

    import duckdb

    from kansrijk.ingest.sql import _lit, _q

    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        names = con.execute("select schema_name, table_name from duckdb_tables()"
                            " where database_name = current_database() order by 1, 2").fetchall()
        if ("raw", "_ingest_ledger") not in names or not {("raw", "erp_sales_invoices"), ("raw", "crm_activities")} <= set(names):
            return None
        if con.execute("select coalesce((select max(invoice_date) from raw.erp_sales_invoices),"
                       " (select max(cast(activity_date as date)) from raw.crm_activities)) is null").fetchall()[0][0]:
            return None
        ledger = con.execute("select count(*), max(loaded_at) from raw._ingest_ledger where status = 'loaded'").fetchall()[0]
        if loaded_through is not None and ledger[1] != loaded_through:
            return None  # a file loaded while the build ran (a standalone ingest): the build did not read it
        # exact row counts (a table's estimated size keeps deleted rows until a checkpoint): 0.06 s for
        # the 112 tables of the 100,000-customer benchmark
        tables = con.execute(" union all ".join(
            f"select {_lit(sch)}, {_lit(name)}, count(*) from {_q(sch)}.{_q(name)}"
            for sch, name in names if not (sch == "raw" and name.startswith("_")))).fetchall()
    parts = {
        "code": code_digest(),
        "python": sys.version,
        "packages": sorted({f"{d.metadata['Name']}=={d.version}" for d in distributions()}),
        "args": list(args),
        "warehouse": str(s.warehouse.resolve()),
        "loads": [ledger[0], str(ledger[1])],
        "tables": sorted([sch, name, n] for sch, name, n in tables),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def forget_build(s: Settings) -> None:
    """Forget the last passing build: the next refresh builds. Called before every dbt command that
    writes the warehouse (:func:`run_dbt`, the Dagster dbt step), so a build that stops half-way,
    or one of a part of the project, is never taken for the last passing one."""
    (s.data_dir / BUILD_STATE).unlink(missing_ok=True)


def remember_build(s: Settings, args: list[str] | tuple[str, ...], invocation_id: str | None, loaded_through) -> None:
    """Record a passing build of the whole project: its key (:func:`build_key`, read after it) and
    invocation id; nothing when a file was loaded after ``loaded_through``, the newest load the
    build read (``kansrijk.ingest.raw.loaded_through`` before it started)."""
    key = build_key(s, args, loaded_through)
    if key is None or invocation_id is None:
        return
    import datetime as dt

    state = {"key": key, "dbt_invocation_id": invocation_id,
             "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    tmp = s.data_dir / (BUILD_STATE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(s.data_dir / BUILD_STATE)


def skipped_sentence(last: dict, build_anyway: str) -> str:
    """What a refresh or the Dagster dbt step says when it skips the build recorded in ``last``;
    ``build_anyway`` names the option that builds anyway there."""
    return (f"{NOTHING_NEW} ({last['built_at']}): no landing file loaded, the same code and settings;"
            f" dbt build skipped, its tested marts stand ({build_anyway} builds anyway).")


def unchanged_build(s: Settings, args: list[str] | tuple[str, ...]) -> dict | None:
    """The last passing build's record ({key, dbt_invocation_id, built_at}) when a build with ``args``
    now would read exactly what it read; else None."""
    path = s.data_dir / BUILD_STATE
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    key = build_key(s, args)
    return state if key is not None and state.get("key") == key else None


WRITING_COMMANDS = ("run", "build", "seed", "snapshot")


def run_dbt(s: Settings, *args: str, quiet: bool = False, target_path: Path | None = None,
            left_alone: str = LEFT_ALONE) -> str | None:
    """Run a dbt command against the warehouse, in this process; return its invocation id or raise RefreshError.

    In this process rather than a `dbt` child: no second Python start and import of dbt, and one
    parse serves every command of the process (see :func:`parsed_project`). After a `dbt run` or
    `dbt build` that passed, the relations of removed models are dropped (:func:`drop_removed_relations`).
    """
    from dbt.cli.main import dbtRunner

    s.temp_directory.mkdir(parents=True, exist_ok=True)
    if args and args[0] in WRITING_COMMANDS:
        forget_build(s)
    target = target_path or s.data_dir / "target"
    location = dbt_args(s, target)
    results = target / "run_results.json"
    results.unlink(missing_ok=True)  # an earlier run's results must not be read as this run's
    with settings_mod.dbt_environment(s):
        try:
            manifest = parsed_project(location, (s.warehouse.stem,))
            outcome = dbtRunner(manifest=manifest).invoke([*args, *location, *console(quiet)])
        finally:
            _release_warehouse()
    data = json.loads(results.read_text()) if results.exists() else {}
    if not outcome.success:
        reason = None
        if outcome.exception is not None:  # dbt stopped before any node: project, profile, connection
            said = str(outcome.exception).strip().splitlines()
            reason = said[0].strip() if said else type(outcome.exception).__name__
        command = " ".join(a for a in args[:2] if not a.startswith("-"))  # "build", "docs generate"
        raise RefreshError(failure_sentence(command, failures(data, s.warehouse), s.data_dir / "logs" / "dbt.log",
                                            reason, left_alone))
    if args and args[0] in ("run", "build") and (target / "manifest.json").exists():
        for relation in drop_removed_relations(s, target / "manifest.json"):
            if not quiet:
                print(f"kansrijk: dropped {relation}: no model or seed of this project builds it any more")
    return data.get("metadata", {}).get("invocation_id")
