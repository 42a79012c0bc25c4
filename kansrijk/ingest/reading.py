"""Reading a landing file: the source relation with every column as VARCHAR (Parquet, or CSV with the
source's delimiter and encoding, transcoded to UTF-8 when DuckDB cannot read the encoding), the CSV
header, and the mapping of the header onto the contract's columns."""

from __future__ import annotations

import codecs
import csv
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kansrijk import contract
from kansrijk.ingest.landing import CHUNK, LandingFile
from kansrijk.ingest.outcome import Quarantine
from kansrijk.ingest.sql import _lit, _q
from kansrijk.settings import Settings

log = logging.getLogger(__name__)


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
