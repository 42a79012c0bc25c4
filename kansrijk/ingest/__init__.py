"""Landing files → ``raw.*`` with the ingest ledger ``raw._ingest_ledger``.

Walks ``<landing>/<delivery>/<table>.<csv|parquet>`` in delivery-name order.
Per file: sha256 checksum (a file already loaded with the same checksum is
skipped), read every column as VARCHAR, check the header against the contract,
parse each column by its contract type in one SQL pass (every value that does
not parse is a type error), check the contract's rules on the typed staging table
in one aggregate (``Validator.check``; a file it flags is judged and described by
the contract's Great Expectations suite, inside DuckDB), then either quarantine the file (moved to
``<quarantine>/<delivery>/<file>`` with ``<file>.error.txt``; raw untouched) or
merge it into ``raw`` and write its ``loaded`` ledger row in one transaction.

A delivery's optional ``_manifest.csv`` (contract v1.1) gives control totals per file: a file whose
rows or amount total differ from what was read is quarantined; see docs/landing.md.

Merge: latest delivery by name wins per key; an older delivery arriving late
never overwrites a newer row. Snapshot tables flag keys missing from the newest
snapshot with ``_is_deleted = true`` instead of deleting them.

``python -m kansrijk.ingest`` ingests the configured landing folder, prints a
summary and exits 1 when a file was quarantined.

This module holds the per-file flow (``ingest_file``, ``quarantine``, ``ingest_landing``, ``main``);
each concern it runs is a module of its own:

- ``landing``: delivery names (``valid_delivery``), discovery, checksums
- ``manifest``: a delivery's ``_manifest.csv`` and its control totals
- ``reading``: opening a file as text (CSV dialect, transcoding), its header and the header mapping
- ``parsing``: the contract's typing rules, the staging SQL of the detailed path, type errors
- ``fast_path``: the typed fast read tried first (``fast_stage``)
- ``raw``: connection, schema ``raw``, the staging database, duplicate keys, merge and ledger
- ``outcome``: ``Quarantine``, ``FileOutcome``, ``IngestResult``; ``sql``: quoting
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import duckdb

from kansrijk import contract
from kansrijk import settings as settings_mod
from kansrijk.ingest.fast_path import fast_stage
from kansrijk.ingest.landing import LandingFile, discover, sha256, sha256_background, valid_delivery
from kansrijk.ingest.manifest import MANIFEST, Manifest, check_manifest, read_manifest
from kansrijk.ingest.outcome import FileOutcome, IngestResult, Quarantine
from kansrijk.ingest.parsing import stage_sql, type_errors
from kansrijk.ingest.raw import (
    LEDGER,
    MEM_STAGE,
    STAGE_SCHEMA,
    attach_stage,
    connect,
    ensure_raw_schema,
    merge,
    next_loaded_at,
)
from kansrijk.ingest.reading import Source, _csv_error, map_header, open_source
from kansrijk.ingest.sql import _q
from kansrijk.runtime import pause_point
from kansrijk.settings import Settings

log = logging.getLogger(__name__)

# The public names (re-exported from their modules). ingest_file calls fast_stage through this
# namespace, so a test can patch kansrijk.ingest.fast_stage.
__all__ = ["FileOutcome", "IngestResult", "LandingFile", "Quarantine", "connect", "fast_stage", "ingest_file",
           "ingest_landing", "main", "valid_delivery"]


def quarantine(con: duckdb.DuckDBPyConnection, s: Settings, f: LandingFile, checksum: str | None,
               message: str, loaded_at: dt.datetime) -> Path:
    """Move the file to ``<quarantine>/<delivery>/<name>``, write the error file and the ledger row."""
    dest_dir = s.quarantine / f.delivery
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f.name
    if dest.exists() or dest.is_symlink():
        dest.unlink()
    shutil.move(str(f.path), str(dest))  # moves a symlink itself, never its target
    Path(f"{dest}.error.txt").write_text(message + "\n", encoding="utf-8")
    con.execute(f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, 0, ?, 'quarantined', ?)",
                [f.rel, checksum, f.delivery, f.table, loaded_at, message])
    return dest


def ingest_file(con: duckdb.DuckDBPyConnection, s: Settings, f: LandingFile, validator, warnings: list[str],
                manifest: Manifest | None = None) -> FileOutcome:
    label = f"{f.name} in delivery {f.delivery}"
    now = next_loaded_at(con)
    if f.rejection:
        message = f"{label}: {f.rejection}."
        quarantine(con, s, f, None, message, now)
        return FileOutcome(f.rel, f.delivery, f.table, "quarantined", 0, message)
    t = contract.TABLES[f.table]  # type: ignore[index]
    seen = con.execute(f"SELECT count(*) FROM {LEDGER} WHERE file_path = ? AND status = 'loaded'", [f.rel]).fetchone()[0]
    pending: Future | None = None
    if seen:  # maybe a file already loaded: checksum first, skipped unread when it matches
        checksum = sha256(f.path)
        done = con.execute(
            f"SELECT count(*) FROM {LEDGER} WHERE file_path = ? AND checksum = ? AND status = 'loaded'", [f.rel, checksum]
        ).fetchone()[0]
    else:  # a new path cannot be a duplicate: hash it while DuckDB reads it
        pending, checksum, done = sha256_background(f.path), "", 0
    if done:
        con.execute(f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, 0, ?, 'skipped_duplicate', NULL)",
                    [f.rel, checksum, f.delivery, t.name, now])
        return FileOutcome(f.rel, f.delivery, t.name, "skipped_duplicate", 0, f"{label} was already loaded.")
    stage = f"{MEM_STAGE}.main.{_q(t.name)}"  # in memory (attach_stage)
    view = f"{STAGE_SCHEMA}.{_q(t.name)}"  # what GX validates
    src: Source | None = None
    rows, vsec, viewed = 0, 0.0, False
    try:
        if manifest is not None and manifest.error:
            raise Quarantine(f"{label}: not loaded, because the delivery's {MANIFEST} cannot be used: {manifest.error}")
        src = open_source(f, s, con, label)
        mapping = map_header(t, src, label, warnings)
        fast_rows = fast_stage(con, t, src, mapping, stage)
        if fast_rows is not None:
            rows = fast_rows
        else:  # the detailed path: text, regexes, one message per unparsable column
            try:
                con.execute(stage_sql(t, src, mapping, stage))
            except duckdb.Error as e:
                if f.ext == "parquet":
                    raise Quarantine(f"{label}: the file cannot be read as Parquet: {str(e).splitlines()[0]}") from None
                raise _csv_error(label, e, src.encoding, s.csv_delimiter[t.source], src.setting) from None
            rows, problems = type_errors(con, t, src, mapping, stage)
            if problems:
                raise Quarantine(f"{label}: " + "; ".join(problems))
        entry = manifest.entry(f) if manifest is not None else None
        if entry is not None:
            check_manifest(con, t, stage, rows, entry, label, warnings)
        # every rule of the contract suite in one aggregate; only a file it flags goes to GX (validation.py)
        check = validator.check(con, t.name, stage, (MEM_STAGE, "main", t.name))
        vsec = check.seconds
        if not check.clean:
            viewed = True
            con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {stage}")
            result = validator.validate(t.name, STAGE_SCHEMA, t.name, rows=rows, key_checked=not check.duplicate_keys)
            vsec += result.seconds
            if not result.success:
                raise Quarantine(f"{label}: {result.describe()}")
        if t.name == "erp_sales_invoices":  # a currency without a rate to EUR is refused, never summed as EUR
            from kansrijk.validation import currency_problem

            if problem := currency_problem(con, stage):
                raise Quarantine(f"{label}: {problem}")
        if pending is not None:
            checksum = pending.result()
        merge(con, t, stage, f, checksum, rows, now)
        return FileOutcome(f.rel, f.delivery, t.name, "loaded", rows, f"{label}: {rows} rows loaded.", vsec)
    except Quarantine as q:
        message = str(q).rstrip(".") + "."
        if pending is not None:  # before the file is moved
            checksum = pending.result()
        quarantine(con, s, f, checksum, message, now)
        return FileOutcome(f.rel, f.delivery, t.name, "quarantined", rows, message, vsec)
    finally:
        if pending is not None:
            pending.cancel() or pending.exception()  # never leave the hashing thread reading the file
        if viewed:  # only a file GX validated has a view (a catalog write: skipped for the others)
            con.execute(f"DROP VIEW IF EXISTS {view}")
        con.execute(f"DROP TABLE IF EXISTS {stage}")
        for p in src.cleanup if src else []:
            p.unlink(missing_ok=True)


def finish_manifest(con: duckdb.DuckDBPyConnection, s: Settings, m: Manifest,
                    present: list[LandingFile]) -> list[FileOutcome]:
    """After a delivery's files: quarantine an unusable manifest, and report each listed file that never arrived.

    A listed file is missing when it is not in the delivery folder and the ledger has no row for its
    table in this delivery (a file loaded and then archived, or quarantined earlier, has one). It is
    reported once, like a quarantined file: a ``quarantined`` ledger row and ``<file>.error.txt`` in
    the quarantine folder; nothing is moved, and the manifest stays, so the file is still checked
    against it when it arrives later.
    """
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if m.error:
        message = (f"{MANIFEST} in delivery {m.delivery}: {m.error}; no new file of the delivery was loaded (they were "
                   "moved to quarantine with it): correct the manifest and put it back with the delivery's files.")
        mf = LandingFile(m.path, m.delivery, m.path.name, None, "csv")
        quarantine(con, s, mf, None, message, now)
        return [FileOutcome(mf.rel, m.delivery, None, "quarantined", 0, message)]
    out = []
    for e in m.entries.values():
        if any(f.table == e.table for f in present):
            continue
        seen = con.execute(f"SELECT count(*) FROM {LEDGER} WHERE delivery = ? AND table_name = ?",
                           [m.delivery, e.table]).fetchall()[0][0]
        if seen:
            continue
        message = (f"{e.file} in delivery {m.delivery}: the delivery's {MANIFEST} lists it with {e.rows:,} rows, but the "
                   f"file is not in the delivery, so nothing of {e.table} was loaded from it; put the file into the "
                   "delivery folder (it is then checked against the manifest).")
        dest_dir = s.quarantine / m.delivery
        dest_dir.mkdir(parents=True, exist_ok=True)
        (dest_dir / f"{e.file}.error.txt").write_text(message + "\n", encoding="utf-8")
        con.execute(f"INSERT INTO {LEDGER} VALUES (?, NULL, ?, ?, 0, ?, 'quarantined', ?)",
                    [f"{m.delivery}/{e.file}", m.delivery, e.table, now, message])
        out.append(FileOutcome(f"{m.delivery}/{e.file}", m.delivery, e.table, "quarantined", 0, message))
    return out


def _record(result: IngestResult, outcome: FileOutcome) -> None:
    {"loaded": result.loaded, "skipped_duplicate": result.skipped, "quarantined": result.quarantined}[
        outcome.status].append(outcome)
    if outcome.status == "quarantined":
        log.error(outcome.message)


def ingest_landing(s: Settings, *, con: duckdb.DuckDBPyConnection | None = None, build_docs: bool = True) -> IngestResult:
    """Ingest every new landing file of ``s.landing`` into the warehouse ``s.warehouse``."""
    from kansrijk.validation import Validator

    t0 = time.perf_counter()
    result = IngestResult()
    own = con is None
    con = con or connect(s)
    validator = None
    try:
        ensure_raw_schema(con)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGE_SCHEMA}")
        attach_stage(con)
        if not s.landing.is_dir():
            raise settings_mod.SettingError(f"LANDING={s.landing} is not a folder: point LANDING at a folder of delivery folders.")
        manifest_paths: dict[str, Path] = {}
        files = discover(s.landing, result.warnings, manifest_paths)
        manifests = {d: read_manifest(p, d, s.landing, result.warnings) for d, p in manifest_paths.items()}
        validator = Validator(s.warehouse, s.gx_docs_dir)
        for delivery in sorted({f.delivery for f in files} | set(manifests)):
            present = [f for f in files if f.delivery == delivery]
            for f in present:
                outcome = ingest_file(con, s, f, validator, result.warnings, manifests.get(delivery))
                _record(result, outcome)
                if outcome.status == "loaded":
                    pause_point(s, "ingest")  # crash-test hook; see its docstring
            if delivery in manifests:  # after the files: an unusable manifest moves last
                for outcome in finish_manifest(con, s, manifests[delivery], present):
                    _record(result, outcome)
        if build_docs:
            result.docs_index = validator.build_docs()
    finally:
        if validator is not None:
            validator.close()
        if own:
            con.close()
    result.seconds = time.perf_counter() - t0
    return result


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        s = settings_mod.check(settings_mod.load())
        result = ingest_landing(s)
    except settings_mod.SettingError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.ok else 1

