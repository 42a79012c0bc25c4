"""Landing files → ``raw.*`` with the ingest ledger ``raw._ingest_ledger``.

Walks ``<landing>/<delivery>/<table>.<csv|parquet>`` in delivery-name order.
Per file: sha256 checksum (a file already loaded with the same checksum is
skipped), read every column as VARCHAR, check the header against the contract,
parse each column by its contract type in one SQL pass (every value that does
not parse is a type error), run the contract's Great Expectations suite on the
typed staging table inside DuckDB, then either quarantine the file (moved to
``<quarantine>/<delivery>/<file>`` with ``<file>.error.txt``; raw untouched) or
merge it into ``raw`` and write its ``loaded`` ledger row in one transaction.

A delivery's optional ``_manifest.csv`` (contract v1.1) gives control totals per file: a file whose
rows or amount total differ from what was read is quarantined; see docs/landing.md.

Merge: latest delivery by name wins per key; an older delivery arriving late
never overwrites a newer row. Snapshot tables flag keys missing from the newest
snapshot with ``_is_deleted = true`` instead of deleting them.

``python -m kansrijk.ingest`` ingests the configured landing folder, prints a
summary and exits 1 when a file was quarantined.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from kansrijk import contract, gx_duckdb, settings as settings_mod
from kansrijk.runtime import pause_point
from kansrijk.settings import Settings

log = logging.getLogger(__name__)

DELIVERY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{4})?$")
EXTENSIONS = ("csv", "parquet")
STAGE_SCHEMA = "_stage"
LEDGER = "raw._ingest_ledger"
MAX_EXAMPLES = 3
CHUNK = 16 * 1024 * 1024

# Regexes the raw text must match before a cast is attempted (TRY_CAST alone is too
# lenient: it accepts '1.5' as an int, '2025-1-5' as a date, '1e3' as a decimal).
INT_RE = r"[+-]?[0-9]+"
DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TS_LOCAL_RE = DATE_RE + r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?"
TS_OFFSET_RE = TS_LOCAL_RE + r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
DECIMAL_RE = {
    # decimal comma, '.' as thousands separator: 1.234,56  1234,56  -3
    ",": r"[+-]?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+)(,[0-9]+)?",
    # decimal point, ',' as thousands separator: 1,234.56  1234.56 (never 1,5)
    ".": r"[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?",
}
PARQUET_DECIMAL_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
TYPE_RULES = {
    "int": "integer",
    "decimal": "decimal number",
    "date": "ISO date YYYY-MM-DD",
    "timestamp": "ISO 8601 timestamp",
    "bool": "boolean true/false/1/0",
}


class Quarantine(Exception):
    """A file that breaks the contract; the message is one sentence for the error file."""


@dataclass
class FileOutcome:
    file: str  # path relative to the landing folder, e.g. 2026-10-01/erp_products.csv
    delivery: str
    table: str | None
    status: str  # loaded, skipped_duplicate, quarantined
    rows: int = 0
    message: str = ""
    validation_seconds: float = 0.0


@dataclass
class IngestResult:
    loaded: list[FileOutcome] = field(default_factory=list)
    skipped: list[FileOutcome] = field(default_factory=list)
    quarantined: list[FileOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    docs_index: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.quarantined

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.loaded)

    @property
    def validation_seconds_per_million(self) -> float | None:
        validated = [f for f in self.loaded + self.quarantined if f.validation_seconds]
        rows = sum(f.rows for f in validated)
        if not rows:
            return None
        return sum(f.validation_seconds for f in validated) / rows * 1_000_000

    def summary(self) -> str:
        lines = [
            f"ingest: {len(self.loaded)} file(s) loaded ({self.rows_loaded} rows), "
            f"{len(self.skipped)} skipped as already loaded, {len(self.quarantined)} quarantined, "
            f"{len(self.warnings)} warning(s) in {self.seconds:.1f} s."
        ]
        per_m = self.validation_seconds_per_million
        if per_m is not None:
            lines.append(f"validation: {per_m:.2f} s per million rows.")
        if self.docs_index:
            lines.append(f"data docs: {self.docs_index}")
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"quarantined: {q.message}" for q in self.quarantined]
        return "\n".join(lines)


# --------------------------------------------------------------------------- schema


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw``, every contract table (empty) and the ingest ledger."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for t in contract.TABLES.values():
        cols = [f"{_q(c.name)} {contract.duckdb_type(c.type)}" for c in t.columns]
        cols += [f"{_q(n)} {typ}" for n, typ in contract.LINEAGE_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{_q(t.name)} ({', '.join(cols)})")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER} (file_path VARCHAR, checksum VARCHAR, delivery VARCHAR, "
        "table_name VARCHAR, rows BIGINT, loaded_at TIMESTAMP, status VARCHAR, error VARCHAR)"
    )


def connect(s: Settings) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (shareable with GX's duckdb-engine connections) with the configured limits."""
    s.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = gx_duckdb.connect(s.warehouse)
    if s.memory_limit:
        con.execute(f"SET memory_limit = {_lit(s.memory_limit)}")
    if s.threads:
        con.execute(f"SET threads = {int(s.threads)}")
    s.temp_directory.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = {_lit(str(s.temp_directory))}")
    return con


# --------------------------------------------------------------------------- discovery


@dataclass
class LandingFile:
    path: Path
    delivery: str
    name: str
    table: str | None
    ext: str
    rejection: str | None = None  # set for a path that must not be read

    @property
    def rel(self) -> str:
        return f"{self.delivery}/{self.name}"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def valid_delivery(name: str) -> bool:
    if not DELIVERY_RE.match(name):
        return False
    try:
        dt.datetime.strptime(name, "%Y-%m-%dT%H%M" if "T" in name else "%Y-%m-%d")
        return True
    except ValueError:
        return False


def discover(landing: Path, warnings: list[str], manifests: dict[str, Path] | None = None) -> list[LandingFile]:
    """The landing files in delivery-name order; odd folders and files become warnings.

    A delivery's ``_manifest.csv`` is never a table file: its path goes into ``manifests`` (by delivery).
    """
    files: list[LandingFile] = []
    for entry in sorted(landing.iterdir(), key=lambda p: p.name):
        if not entry.is_dir():
            warnings.append(f"{entry.name} in the landing folder is not a delivery folder and was left alone.")
            continue
        if not valid_delivery(entry.name):
            warnings.append(f"Folder {entry.name} is not a delivery name (YYYY-MM-DD or YYYY-MM-DDTHHMM) and was skipped.")
            continue
        if not _inside(entry, landing):
            warnings.append(f"Delivery folder {entry.name} points outside the landing folder and was skipped.")
            continue
        for f in sorted(entry.iterdir(), key=lambda p: p.name):
            stem, dot, ext = f.name.rpartition(".")
            ext = ext.lower()
            if f"{stem}.{ext}" == contract.MANIFEST and not f.is_dir():
                if manifests is not None:
                    manifests[entry.name] = f
                continue
            if ".." in f.name or not _inside(f, landing):
                why = "contains '..'" if ".." in f.name else "points outside the landing folder"
                files.append(LandingFile(f, entry.name, f.name, stem if stem in contract.TABLES else None, ext,
                                         f"file name {why}; the file was rejected unread"))
                continue
            if f.is_dir():
                warnings.append(f"{entry.name}/{f.name} is a folder inside a delivery and was left alone.")
                continue
            if not dot or ext not in EXTENSIONS:
                warnings.append(f"{entry.name}/{f.name} has an unknown extension (expected .csv or .parquet) and was left alone.")
                continue
            if stem not in contract.TABLES:
                warnings.append(f"{entry.name}/{f.name} is not a contract table and was left alone.")
                continue
            files.append(LandingFile(f, entry.name, f.name, stem, ext))
    return files


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_background(path: Path) -> Future:
    """sha256 of ``path`` in a thread of its own (hashlib and DuckDB both release the GIL).

    For a file that cannot be a duplicate (no ``loaded`` ledger row for its path): its checksum is
    then only needed for its ledger row, so it is computed while DuckDB reads the file.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kansrijk-sha256")
    try:
        return pool.submit(sha256, path)
    finally:
        pool.shutdown(wait=False)


# --------------------------------------------------------------------------- manifest

MANIFEST = contract.MANIFEST
MANIFEST_INT_RE = re.compile(r"[0-9]+")
MANIFEST_AMOUNT_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
CENT = Decimal("0.01")


@dataclass
class ManifestEntry:
    file: str  # as written in the manifest, e.g. erp_payments.csv or erp_payments
    table: str
    rows: int
    amount_total: Decimal | None


@dataclass
class Manifest:
    """A delivery's ``_manifest.csv``, entries by table: ``erp_payments.csv``, ``.parquet`` and ``erp_payments``
    all name the delivery's erp_payments file, whatever its extension."""
    path: Path
    delivery: str
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    error: str | None = None  # why the manifest cannot be used; then no new file of the delivery loads

    def entry(self, f: LandingFile) -> ManifestEntry | None:
        return self.entries.get(f.table or "")


def cents(x: Decimal) -> Decimal:
    """An amount rounded to the cent, half away from zero (how both sides of the amount check are compared)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def read_manifest(path: Path, delivery: str, landing: Path, warnings: list[str]) -> Manifest:
    """Parse ``_manifest.csv`` (comma, UTF-8, '.' decimals; columns file, rows[, amount_total])."""
    m = Manifest(path, delivery)
    where = f"{MANIFEST} in delivery {delivery}"
    if not _inside(path, landing):
        m.error = "it points outside the landing folder and was not read"
        return m
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        m.error = f"it is not valid UTF-8 (byte 0x{e.object[e.start]:02x} at offset {e.start})"
        return m
    except OSError as e:
        m.error = f"it cannot be read ({e.strerror})"
        return m
    reader = csv.reader(text.splitlines(), delimiter=",", quotechar='"')
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("file", "rows") if c not in header]
    if missing:
        m.error = (f"column {', '.join(missing)} missing from its header (found: {', '.join(header) or 'nothing'}; "
                   "expected file,rows[,amount_total])")
        return m
    for row in reader:
        if not any(v.strip() for v in row):
            continue
        line = f"line {reader.line_num}"
        if len(row) != len(header):
            m.error = (f"{line} has {len(row)} fields but the header {len(header)} (amount_total takes '.' as decimal "
                       "point and no thousands separator)")
            return m
        values = dict(zip(header, (v.strip() for v in row)))
        name, rows, amount = values["file"], values["rows"], values.get("amount_total", "")
        if not name:
            m.error = f"{line} has no file name"
            return m
        if not MANIFEST_INT_RE.fullmatch(rows):
            m.error = f"{line}: rows '{rows}' of {name} is not a whole number"
            return m
        if amount and not MANIFEST_AMOUNT_RE.fullmatch(amount):
            m.error = f"{line}: amount_total '{amount}' of {name} is not a number with '.' as decimal point"
            return m
        stem, dot, ext = name.rpartition(".")
        table = stem if dot and ext.lower() in EXTENSIONS else name
        if table not in contract.TABLES:
            warnings.append(f"{where} lists {name}, which is not a contract table file; that line was ignored.")
            continue
        if table in m.entries:
            m.error = f"{line} lists {table} a second time"
            return m
        m.entries[table] = ManifestEntry(name, table, int(rows), Decimal(amount) if amount else None)
    return m


def check_manifest(con: duckdb.DuckDBPyConnection, t: contract.Table, stage: str, rows: int,
                   entry: ManifestEntry, label: str, warnings: list[str]) -> None:
    """Quarantine the staged file when its row count or amount total differs from its manifest entry.

    The total is the sum of the typed, parsed values (what would be merged), rounded to the cent,
    and so is the manifest's figure.
    """
    column = t.amount_column if entry.amount_total is not None else None
    if entry.amount_total is not None and column is None:
        warnings.append(f"{label}: {MANIFEST} gives an amount total, but {t.name} has no main amount column "
                        "(docs/landing.md); only its row count was checked.")
    total = None
    if column:
        total = cents(Decimal(con.execute(f"SELECT coalesce(sum({_q(column)}), 0) FROM {stage}").fetchall()[0][0]))
    if rows == entry.rows and (total is None or total == cents(entry.amount_total)):  # type: ignore[arg-type]
        return
    says, has = f"{entry.rows:,} rows", f"{rows:,} rows"
    if total is not None:
        says += f" and amount total {cents(entry.amount_total):,.2f}"  # type: ignore[arg-type]
        has += f" and amount total {total:,.2f} (sum of {column})"
    raise Quarantine(f"{label}: the delivery's {MANIFEST} says {says}, the file has {has}, so the file is incomplete "
                     f"or the manifest wrong; deliver the complete file and a matching {MANIFEST} again")


# --------------------------------------------------------------------------- reading


@dataclass
class Source:
    relation: str  # SQL relation yielding the file's columns
    columns: list[str]  # the file's column names as SQL identifiers in relation
    header: list[str]  # the file's header names as written
    decimal: str  # '.' or ',' ('p' for parquet)
    cleanup: list[Path] = field(default_factory=list)
    encoding: str = ""
    setting: str = ""
    # for the typed fast read (fast_stage): the CSV file DuckDB reads, its dialect, Parquet column types
    path: Path | None = None
    delimiter: str = ""
    native: str = ""
    types: list[str] = field(default_factory=list)


def _duckdb_encoding(encoding: str) -> str | None:
    """DuckDB's native name for a Python encoding, or None when Python must transcode."""
    name = codecs.lookup(encoding).name
    return {"utf-8": "utf-8", "iso8859-1": "latin-1", "utf-16": "utf-16"}.get(name)


def _transcode(path: Path, encoding: str, tmp_dir: Path, label: str) -> Path:
    """Stream-transcode ``path`` from ``encoding`` to a temporary UTF-8 file."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".csv", dir=tmp_dir)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK):
                try:
                    dst.write(decoder.decode(chunk))
                except UnicodeDecodeError as e:
                    raise Quarantine(
                        f"{label}: byte 0x{chunk[e.start]:02x} at offset {offset + e.start} is not valid {encoding}, "
                        "so the file cannot be read with the configured encoding"
                    ) from None
                offset += len(chunk)
            dst.write(decoder.decode(b"", final=True))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _csv_header(path: Path, encoding: str, delimiter: str, label: str) -> list[str]:
    name = codecs.lookup(encoding).name
    py_enc = "utf-8-sig" if name == "utf-8" else encoding
    try:
        if name.startswith("utf-16"):
            with open(path, encoding=py_enc, newline="", errors="strict") as fh:
                line = fh.readline()
        else:  # decode the first line only, so a bad byte further down is reported by the reader with its line
            with open(path, "rb") as fb:
                line = fb.readline(1024 * 1024).decode(py_enc)
        row = next(csv.reader([line], delimiter=delimiter, quotechar='"'), None)
    except UnicodeDecodeError as e:
        raise Quarantine(f"{label}: the header row is not valid {encoding} ({e.reason} at byte {e.start}); "
                         "set the source's CSV encoding setting to the file's encoding") from None
    if not row:
        raise Quarantine(f"{label}: the first line is empty, expected a header row with the contract's column names")
    return row


def _csv_error(label: str, err: Exception, encoding: str, delimiter: str, setting: str) -> Quarantine:
    text = str(err)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f" at line {line.group(1)}" if line else ""
    if "unicode" in text.lower() or "encod" in text.lower():
        return Quarantine(f"{label}: the file is not valid {encoding}{where}; set {setting} to the file's encoding (utf-8 or cp1252)")
    reason = next((ln.strip() for ln in text.splitlines()[1:] if ln.strip() and not ln.startswith("Original Line")), text.splitlines()[0])
    return Quarantine(f"{label}: the file cannot be read as CSV with delimiter '{delimiter}'{where}: {reason}")


def open_source(f: LandingFile, s: Settings, con: duckdb.DuckDBPyConnection, label: str) -> Source:
    """Describe how to read the file with every column as VARCHAR (and check it can be opened)."""
    if f.path.stat().st_size == 0:
        raise Quarantine(f"{label}: the file is empty (0 bytes), expected at least a header row")
    if f.ext == "parquet":
        rel = f"read_parquet({_lit(str(f.path))})"
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
        except duckdb.Error as e:
            raise Quarantine(f"{label}: the file cannot be read as Parquet: {str(e).splitlines()[0]}") from None
        header = [r[0] for r in described]
        return Source(rel, [_q(h) for h in header], header, "p", types=[str(r[1]) for r in described])
    source = contract.TABLES[f.table].source  # type: ignore[index]
    delimiter = s.csv_delimiter[source]
    encoding = s.csv_encoding[source]
    decimal = s.csv_decimal[source]
    setting = f"KANSRIJK_{source.upper()}_CSV_ENCODING"
    path, cleanup = f.path, []
    native = _duckdb_encoding(encoding)
    if native is None:
        path = _transcode(f.path, encoding, s.temp_directory, label)
        cleanup.append(path)
        header = _csv_header(path, "utf-8", delimiter, label)
        native = "utf-8"
    else:
        header = _csv_header(f.path, encoding, delimiter, label)
    names = [f"c{i}" for i in range(len(header))]
    columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names) + "}"
    rel = (
        f"read_csv({_lit(str(path))}, delim={_lit(delimiter)}, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={columns}, encoding={_lit(native)}, strict_mode=true)"
    )
    return Source(rel, names, header, decimal, cleanup, encoding, setting, path=path, delimiter=delimiter, native=native)


# The source expression of an optional contract column that the file does not carry.
ABSENT = "CAST(NULL AS VARCHAR)"


def map_header(t: contract.Table, src: Source, label: str, warnings: list[str]) -> dict[str, str]:
    """Contract column → source column identifier (case-insensitive, trimmed, any order)."""
    found: dict[str, str] = {}
    for ident, name in zip(src.columns, src.header):
        found.setdefault(name.strip().lower(), ident)
    missing = [c.name for c in t.columns if c.name.lower() not in found and not c.optional]
    if missing:
        shown = ", ".join(h.strip() for h in src.header) or "(none)"
        raise Quarantine(
            f"{label}: column {', '.join(missing)} fails 'required column present': missing from the header "
            f"(found: {shown})"
        )
    extra = [h.strip() for h in src.header if h.strip().lower() not in {c.lower() for c in t.column_names}]
    if extra:
        msg = f"{label}: extra column(s) {', '.join(extra)} not in the contract were ignored."
        warnings.append(msg)
        log.warning(msg)
    # an optional column (contract v1.1) absent from the header loads as null
    return {c: found.get(c.lower(), ABSENT) for c in t.column_names}


# --------------------------------------------------------------------------- typing


def parse_expr(v: str, ctype: str, decimal: str) -> str:
    """SQL turning the trimmed, non-empty VARCHAR expression ``v`` into the contract type (NULL = no parse)."""
    if ctype == "string":
        return v
    if ctype == "int":
        return f"CASE WHEN regexp_full_match({v}, '{INT_RE}') THEN TRY_CAST({v} AS BIGINT) END"
    if ctype == "decimal":
        target = contract.duckdb_type("decimal")
        if decimal == "p":
            return f"CASE WHEN regexp_full_match({v}, '{PARQUET_DECIMAL_RE}') THEN TRY_CAST({v} AS {target}) END"
        if decimal == ",":
            cleaned = f"replace(replace({v}, '.', ''), ',', '.')"
        else:
            cleaned = f"replace({v}, ',', '')"
        return f"CASE WHEN regexp_full_match({v}, '{DECIMAL_RE[decimal]}') THEN TRY_CAST({cleaned} AS {target}) END"
    if ctype == "date":
        return f"CASE WHEN regexp_full_match({v}, '{DATE_RE}') THEN TRY_CAST({v} AS DATE) END"
    if ctype == "timestamp":
        return (
            f"CASE WHEN regexp_full_match({v}, '{TS_LOCAL_RE}') THEN TRY_CAST({v} AS TIMESTAMP) "
            f"WHEN regexp_full_match({v}, '{TS_OFFSET_RE}') "
            f"THEN CAST(TRY_CAST({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP) END"
        )
    if ctype == "bool":
        return f"CASE lower({v}) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END"
    raise ValueError(f"unknown contract type {ctype}")


def _raw_expr(ident: str, ctype: str) -> str:
    """The source value as VARCHAR; empty string is NULL; non-strings are trimmed."""
    v = f"CAST({ident} AS VARCHAR)"
    return f"NULLIF({v}, '')" if ctype == "string" else f"NULLIF(trim({v}), '')"


def stage_sql(t: contract.Table, src: Source, mapping: dict[str, str], stage: str) -> str:
    """One query: read, type every column and flag unparsable values in a bitmask ``_bad``."""
    inner = ", ".join(f"{_raw_expr(mapping[c.name], c.type)} AS {_q('r_' + c.name)}" for c in t.columns)
    typed = [
        f"{parse_expr(_q('r_' + c.name), c.type, src.decimal)} AS {_q(c.name)}" for c in t.columns
    ]
    checks = [
        f"(CASE WHEN {_q('r_' + c.name)} IS NOT NULL AND {_q(c.name)} IS NULL THEN {1 << i} ELSE 0 END)"
        for i, c in enumerate(t.columns) if c.type != "string"
    ]
    bad = " | ".join(checks) if checks else "0"
    cols = ", ".join(_q(c.name) for c in t.columns)
    return (
        f"CREATE OR REPLACE TABLE {stage} AS SELECT {cols}, CAST({bad} AS INTEGER) AS _bad FROM ("
        f"SELECT {', '.join(_q('r_' + c.name) for c in t.columns)}, {', '.join(typed)} FROM ("
        f"SELECT {inner} FROM {src.relation}))"
    )


def type_errors(con: duckdb.DuckDBPyConnection, t: contract.Table, src: Source, mapping: dict[str, str],
                stage: str) -> tuple[int, list[str]]:
    """Row count of the staged file and one description per column with unparsable values."""
    typed_cols = [(i, c) for i, c in enumerate(t.columns) if c.type != "string"]
    aggs = ["count(*)"] + [f"count(*) FILTER (WHERE _bad & {1 << i} <> 0)" for i, _ in typed_cols]
    counts = con.execute(f"SELECT {', '.join(aggs)} FROM {stage}").fetchone()
    rows = int(counts[0])
    problems = []
    for (i, c), n in zip(typed_cols, counts[1:]):
        if not n:
            continue
        r = _raw_expr(mapping[c.name], c.type)
        p = parse_expr("v", c.type, src.decimal)
        examples = con.execute(
            f"SELECT row_nr, v FROM (SELECT row_number() OVER () AS row_nr, {r} AS v FROM {src.relation}) "
            f"WHERE v IS NOT NULL AND ({p}) IS NULL ORDER BY row_nr LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        shown = ", ".join(f"{v} (row {row_nr})" for row_nr, v in examples)
        problems.append(f"column {c.name} fails '{TYPE_RULES[c.type]}' on {n} row{'s' if n != 1 else ''}, e.g. {shown}")
    return rows, problems


# --------------------------------------------------------------------------- fast path
#
# Most files are clean. For them, DuckDB's typed CSV reader (contract types given
# explicitly, the source's delimiter and decimal separator, ISO dates, strict mode)
# is ~3x faster than reading text and parsing it with the regexes above. fast_stage
# tries that first; ANY error (an unparsable value, a bad line, a wrong encoding)
# drops the attempt and the detailed path above re-reads the file, so quarantine
# messages are unchanged. Exactness: the values of a file that loads through both
# paths are identical (tests/test_ingest_fast.py). Columns whose typed read would be
# looser than the contract are read as text and parsed with parse_expr (exact, and
# an unparsable value raises): booleans (the reader also takes t/f/yes/no), timestamps
# (it would drop a UTC offset), ints (it would round 1.5 to 2: they are read as
# DECIMAL(38,9) and must be whole). Known, deliberate leniency of the typed reader,
# only for values with one obvious reading: decimals written 1e3, 1_000, ,5 or 5,
# and dates written 2025-1-5 load; the detailed path would reject them.

MEM_STAGE = "_kansrijk_stage"  # in-memory database attached to the ingest connection
FAST_INT = "DECIMAL(38,9)"
PARQUET_NATIVE = {
    "int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
    "date": ("DATE",),
    "timestamp": ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS"),
    "bool": ("BOOLEAN",),
}


def attach_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Attach the in-memory staging database: staged files are never written to disk.

    GX's own connections (same DuckDB instance) see it through a view in ``_stage``
    (GX cannot see a connection's TEMP tables); leftover views of a crashed run are dropped.
    """
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {MEM_STAGE}")
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = ? "
                               "AND database_name = current_database()", [STAGE_SCHEMA]).fetchall():
        con.execute(f"DROP VIEW IF EXISTS {STAGE_SCHEMA}.{_q(name)}")
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? "
                               "AND database_name = current_database()", [STAGE_SCHEMA]).fetchall():
        con.execute(f"DROP TABLE IF EXISTS {STAGE_SCHEMA}.{_q(name)}")  # a disk stage of an older version


def _guarded(raw: str, ctype: str, decimal: str) -> str:
    """parse_expr of a raw-text expression, raising (instead of NULL) on a value that does not parse."""
    return (f"CASE WHEN {raw} IS NOT NULL AND ({parse_expr(raw, ctype, decimal)}) IS NULL "
            f"THEN error('unparsable {ctype}') ELSE {parse_expr(raw, ctype, decimal)} END")


def _whole(v: str) -> str:
    return f"CASE WHEN {v} = trunc({v}) THEN CAST({v} AS BIGINT) WHEN {v} IS NOT NULL THEN error('not whole') END"


def fast_sql(t: contract.Table, src: Source, mapping: dict[str, str], stage: str) -> str:
    """One typed read of the file into ``stage`` (no ``_bad`` column: every bad value raises)."""
    by_ident = {ident: t.column(c) for c, ident in mapping.items()}
    out = []
    if src.decimal == "p":
        types = dict(zip(src.columns, src.types))
        for c in t.columns:
            ident = mapping[c.name]
            typ = types[ident].upper() if ident in types else "VARCHAR"  # ABSENT: a null text
            raw = _raw_expr(ident, c.type)
            if c.type == "string":
                e = raw
            elif c.type == "decimal" and (typ.startswith("DECIMAL") or typ in PARQUET_NATIVE["int"]):
                e = f"CAST({ident} AS {contract.duckdb_type('decimal')})"
            elif typ in PARQUET_NATIVE.get(c.type, ()):
                e = f"CAST({ident} AS {contract.duckdb_type(c.type)})"
            else:
                e = _guarded(raw, c.type, "p")
            out.append(f"{e} AS {_q(c.name)}")
        return f"CREATE OR REPLACE TABLE {stage} AS SELECT {', '.join(out)} FROM {src.relation}"
    assert src.path is not None
    read_types = {}
    for ident in src.columns:
        c = by_ident.get(ident)
        ctype = c.type if c else "string"
        read_types[ident] = {"int": FAST_INT, "decimal": contract.duckdb_type("decimal"), "date": "DATE"}.get(ctype, "VARCHAR")
    columns = "{" + ", ".join(f"{_lit(i)}: {_lit(typ)}" for i, typ in read_types.items()) + "}"
    rel = (
        f"read_csv({_lit(str(src.path))}, delim={_lit(src.delimiter)}, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={columns}, encoding={_lit(src.native)}, strict_mode=true, "
        f"decimal_separator={_lit(src.decimal)}, dateformat='%Y-%m-%d')"
    )
    for c in t.columns:
        ident = mapping[c.name]
        if ident == ABSENT:  # an optional column the file does not carry
            out.append(f"CAST(NULL AS {contract.duckdb_type(c.type)}) AS {_q(c.name)}")
            continue
        if c.type == "string":
            e = f"NULLIF({ident}, '')"
        elif c.type == "int":
            e = _whole(ident)
        elif c.type in ("decimal", "date"):
            e = ident
        else:  # bool, timestamp: text, parsed exactly as the detailed path does
            e = _guarded(_raw_expr(ident, c.type), c.type, src.decimal)
        out.append(f"{e} AS {_q(c.name)}")
    return f"CREATE OR REPLACE TABLE {stage} AS SELECT {', '.join(out)} FROM {rel}"


def fast_stage(con: duckdb.DuckDBPyConnection, t: contract.Table, src: Source, mapping: dict[str, str],
               stage: str) -> int | None:
    """Stage the file with the typed fast read; its row count, or None when the detailed path must run."""
    try:
        con.execute(fast_sql(t, src, mapping, stage))
    except duckdb.Error as e:
        log.info("fast read of %s failed, using the detailed path: %s", src.path or src.relation, str(e).splitlines()[0])
        con.execute(f"DROP TABLE IF EXISTS {stage}")
        return None
    return int(con.execute(f"SELECT count(*) FROM {stage}").fetchone()[0])


def duplicate_keys(con: duckdb.DuckDBPyConnection, t: contract.Table, stage: str, rows: int | None = None) -> bool:
    """Whether the staged file may hold a key twice: one cheap aggregate over the key's 64-bit hash.

    Fewer distinct key hashes than rows means a duplicate key or (rarely) a hash collision; equal
    counts prove every key is unique (two equal keys always hash alike, NULLs included).
    GX stays the gate: its suite keeps the uniqueness expectation, and it runs whenever this
    answers True (it then reports the count and examples, or passes on a mere collision); when
    this answers False it is skipped.
    """
    key = ", ".join(_q(k) for k in t.key)
    distinct, total = con.execute(f"SELECT count(DISTINCT hash({key})), count(*) FROM {stage}").fetchone()
    return int(distinct) != int(total if rows is None else rows)


# --------------------------------------------------------------------------- merge


def merge(con: duckdb.DuckDBPyConnection, t: contract.Table, stage: str, f: LandingFile, checksum: str,
          rows: int, loaded_at: dt.datetime) -> None:
    """Merge the staged rows into raw and write the ``loaded`` ledger row in one transaction."""
    target = f"raw.{_q(t.name)}"
    newest = con.execute(
        f"SELECT max(delivery) FROM {LEDGER} WHERE table_name = ? AND status = 'loaded'", [t.name]
    ).fetchone()[0]
    newer_exists = newest is not None and newest > f.delivery
    raw_empty = con.execute(f"SELECT count(*) = 0 FROM (SELECT 1 FROM {target} LIMIT 1)").fetchone()[0]
    on_key = " AND ".join(f"r.{_q(k)} = s.{_q(k)}" for k in t.key)
    cols = ", ".join(_q(c) for c in t.column_names)
    # A late, older snapshot: its keys not held by a newer delivery are missing from the newest snapshot.
    flag_deleted = t.snapshot and newer_exists
    con.execute("BEGIN TRANSACTION")
    try:
        if not raw_empty and rows:
            con.execute(f"DELETE FROM {target} AS r USING {stage} AS s WHERE {on_key} AND r._delivery <= ?",
                        [f.delivery])
        if rows:
            where = f" WHERE NOT EXISTS (SELECT 1 FROM {target} AS r WHERE {on_key})" if newer_exists and not raw_empty else ""
            con.execute(
                f"INSERT INTO {target} ({cols}, _delivery, _file, _row, _loaded_at, _is_deleted) "
                f"SELECT {', '.join('s.' + _q(c) for c in t.column_names)}, ?, ?, s.rowid + 1, ?, ? "
                f"FROM {stage} AS s{where}",
                [f.delivery, f.rel, loaded_at, flag_deleted],
            )
        if t.snapshot and not newer_exists and not raw_empty:
            # Every older row left after the delete is a key this (newest) snapshot no longer carries.
            con.execute(f"UPDATE {target} SET _is_deleted = true WHERE _delivery < ? AND NOT _is_deleted",
                        [f.delivery])
        con.execute(f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?, ?, 'loaded', NULL)",
                    [f.rel, checksum, f.delivery, t.name, rows, loaded_at])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# --------------------------------------------------------------------------- per file


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
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
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
    rows, vsec = 0, 0.0
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
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {stage}")
        result = validator.validate(t.name, STAGE_SCHEMA, t.name, rows=rows,
                                    key_checked=not duplicate_keys(con, t, stage, rows))
        vsec = result.seconds
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


if __name__ == "__main__":
    sys.exit(main())
