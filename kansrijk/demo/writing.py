"""Writing the landing files: one writer per (delivery, table), the ERP CSV dialect and CRM Parquet
formats, the manifests with their control totals, and the arrow conversions the writers need."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kansrijk.contract import MANIFEST, TABLES
from kansrijk.demo.arrays import _nullable


class Sink:
    """Writers per (delivery, table); rows arrive as canonical arrow tables.

    Canonical types: strings, int64, decimals as int64 hundredths, dates as date32,
    timestamps as timestamp[s], bools.
    """

    def __init__(self, out: Path, deliveries: list[str]):
        self.out = out
        self.deliveries = deliveries
        self.writers: dict[tuple[int, str], object] = {}
        self.counts: dict[str, int] = {t: 0 for t in TABLES}
        self.bool_style: dict[tuple[int, str], tuple[str, str]] = {
            (1, "erp_customers"): ("TRUE", "FALSE"),
            (1, "erp_shipments"): ("1", "0"),
        }
        self.string_dates = {1}  # CRM Parquet with ISO-string dates in this delivery
        self.totals: dict[tuple[int, str], list[int]] = {}  # ERP (delivery, table): [rows, amount in cents]

    def emit(self, table: str, cols: dict, deliv) -> None:
        t = TABLES[table]
        arrays = []
        n = None
        rows = len(next(iter(cols.values())))
        for c in t.columns:
            # an optional contract column (v1.1) a writer does not give is written empty (cdnow.py)
            a = cols[c.name] if c.name in cols or not c.optional else pa.nulls(rows, pa.int64() if c.type == "int" else pa.string())
            if not isinstance(a, (pa.Array, pa.ChunkedArray)):
                a = pa.array(a)
            arrays.append(a)
            n = len(a) if n is None else n
            assert len(a) == n, (table, c.name, len(a), n)
        tab = pa.Table.from_arrays(arrays, names=t.column_names)
        if n == 0:
            return
        deliv = np.broadcast_to(np.asarray(deliv), (n,))
        for k in np.unique(deliv):
            if k < 0 or k >= len(self.deliveries):
                continue
            sub = tab.filter(pa.array(deliv == k)) if len(np.unique(deliv)) > 1 else tab
            if sub.num_rows:
                self._write(int(k), table, sub)

    def _write(self, k: int, table: str, tab: pa.Table) -> None:
        t = TABLES[table]
        key = (k, table)
        if t.source == "erp":
            tot = self.totals.setdefault(key, [0, 0])
            tot[0] += tab.num_rows
            if t.amount_column:  # canonical int64 cents, before formatting
                tot[1] += pc.sum(tab.column(t.amount_column).cast(pa.int64())).as_py() or 0
            tab = self._format_csv(k, table, tab)
        else:
            tab = self._format_parquet(k, table, tab)
        w = self.writers.get(key)
        if w is None:
            folder = self.out / self.deliveries[k]
            folder.mkdir(parents=True, exist_ok=True)
            if t.source == "erp":
                f = open(folder / f"{table}.csv", "wb")
                f.write((";".join(t.column_names) + "\n").encode("utf-8"))
                w = (f, pacsv.CSVWriter(f, tab.schema, write_options=pacsv.WriteOptions(
                    include_header=False, delimiter=";", quoting_style="none")))
            else:
                w = (None, pq.ParquetWriter(folder / f"{table}.parquet", tab.schema,
                                            compression="zstd"))
            self.writers[key] = w
        w[1].write_table(tab)
        self.counts[table] += tab.num_rows

    def _format_csv(self, k: int, table: str, tab: pa.Table) -> pa.Table:
        t = TABLES[table]
        true_s, false_s = self.bool_style.get((k, table), ("true", "false"))
        cols = []
        for c in t.columns:
            a = tab.column(c.name).combine_chunks()
            if c.type == "decimal" and not pa.types.is_string(a.type):
                a = _dec_string(a)
            elif c.type == "bool":
                a = pc.if_else(a, pa.scalar(true_s), pa.scalar(false_s))
            elif c.type == "int":
                a = a.cast(pa.int64())
            elif c.type == "string":
                a = a.cast(pa.string())
            cols.append(a)
        return pa.Table.from_arrays(cols, names=t.column_names)

    def _format_parquet(self, k: int, table: str, tab: pa.Table) -> pa.Table:
        t = TABLES[table]
        cols = []
        for c in t.columns:
            a = tab.column(c.name).combine_chunks()
            if c.type == "decimal":
                a = _dec128(a)
            elif c.type in ("date", "timestamp") and k in self.string_dates:
                a = pc.strftime(a, format="%Y-%m-%d" if c.type == "date" else "%Y-%m-%dT%H:%M:%S")
            elif c.type == "string":
                a = a.cast(pa.string())
            elif c.type == "int":
                a = a.cast(pa.int64())
            cols.append(a)
        return pa.Table.from_arrays(cols, names=t.column_names)

    def close(self) -> None:
        for f, w in self.writers.values():
            w.close()
            if f is not None:
                f.close()
        for k, delivery in enumerate(self.deliveries):  # the ERP control totals (contract v1.1)
            lines = ["file,rows,amount_total"]
            for table in TABLES:
                if (k, table) in self.totals:
                    rows, c = self.totals[(k, table)]
                    amount = f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" if TABLES[table].amount_column else ""
                    lines.append(f"{table}.csv,{rows},{amount}")
            if len(lines) > 1:
                (self.out / delivery / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dec_string(a: pa.Array, scale: int = 2) -> pa.Array:
    """int64 in units of 10**-scale -> '1234,50' / '-0,05' (null stays null)."""
    v = a.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    absv = np.abs(v)
    whole = pc.cast(pa.array(absv // 10**scale), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(absv % 10**scale), pa.string()), scale, "0")
    s = pc.binary_join_element_wise(whole, frac, ",")
    s = pc.if_else(pa.array(v < 0), pc.binary_join_element_wise(pa.scalar("-"), s, ""), s)
    if a.null_count:
        s = pc.if_else(a.is_null(), pa.scalar(None, pa.string()), s)
    return s


def _dec128(a: pa.Array) -> pa.Array:
    """int64 hundredths -> decimal128(18, 2), exactly."""
    v = a.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = np.where(v < 0, -1, 0)
    typ = pa.decimal128(18, 2)
    d = pa.Array.from_buffers(typ, len(v), [None, pa.py_buffer(buf.tobytes())])
    if a.null_count:
        d = pc.if_else(a.is_null(), pa.scalar(None, typ), d)
    return d


def _date32(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return _nullable(np.asarray(days, dtype=np.int32), mask).view(pa.date32())


def _ts(seconds: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return _nullable(np.asarray(seconds, dtype=np.int64), mask).view(pa.timestamp("s"))

