"""A delivery's optional ``_manifest.csv`` (contract v1.1): control totals per file, read and checked
against the staged file; a file whose rows or amount total differ is quarantined (docs/landing.md)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from kansrijk import contract
from kansrijk.ingest.landing import EXTENSIONS, LandingFile, _inside
from kansrijk.ingest.outcome import Quarantine
from kansrijk.ingest.sql import _q

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
