"""CDNOW transaction log -> landing set (ERP only).

``python -m kansrijk.cdnow CDNOW_FILE --out DIR`` and :func:`convert`.

Input: the public CDNOW log as shipped with ``lifetimes`` (``CDNOW_master.txt``,
``CDNOW_sample.txt``): whitespace separated, one purchase per line,
``customer_id date(YYYYMMDD) quantity amount``. The sample file has an extra
second column (its own 1..2357 index); with five columns the first column (the
original CDNOW id) is the customer id. A header line is skipped.

Output, one delivery folder named after the last purchase date
(``<out>/1998-06-30/``), ERP tables only (no CRM files, no ledger), written as
CSV in the demo's ERP dialect (``;``, decimal comma, UTF-8) so the default
settings read them:

- ``erp_customers``: one row per CDNOW id (kept as is, leading zeros included),
  ``created_date`` = first purchase; firmographics unknown (null industry and
  size, so every customer falls in segment ``unknown-unknown``), country ``US``.
- ``erp_products``: one product ``CD`` (group ``Music CDs``).
- ``erp_sales_invoices``: purchases of one customer on one day are one invoice,
  ``invoice_id = <customer_id>-<YYYYMMDD>``, ``invoice_date`` = that day,
  ``due_date`` = that day, currency EUR (the amounts are taken as they are),
  channel ``web``.
- ``erp_sales_invoice_lines``: one line per invoice: ``quantity`` = CDs bought that
  day, ``net_amount`` = the summed ``amount`` exactly, ``unit_price`` =
  net_amount / quantity rounded to 4 decimals, ``discount_pct`` 0, and
  ``cost_amount = 0``: CDNOW has no cost data, so gross margin equals revenue.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kansrijk.demo import Sink, _date32, _dec_string

_DATE = re.compile(r"^\d{8}$")


def read_log(cdnow_file: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer_id str, day number, quantity int, amount in cents int) per source line."""
    ids, days, qty, cents = [], [], [], []
    with open(cdnow_file, encoding="utf-8") as f:
        text = f.read().split("\n")
    for line in text:
        parts = line.split()
        if len(parts) not in (4, 5) or not _DATE.match(parts[-3]):
            continue  # header or blank line
        ids.append(parts[0])
        days.append(parts[-3])
        qty.append(parts[-2])
        cents.append(parts[-1])
    day = np.array([f"{x[:4]}-{x[4:6]}-{x[6:]}" for x in days], dtype="datetime64[D]").astype(np.int64)
    amt = np.array([_to_cents(x) for x in cents], dtype=np.int64)
    return np.array(ids), day, np.array(qty, dtype=np.float64).round().astype(np.int64), amt


def _to_cents(s: str) -> int:
    neg = s.startswith("-")
    s = s.lstrip("+-")
    whole, _, frac = s.partition(".")
    v = int(whole or 0) * 100 + int((frac + "00")[:2] or 0)
    if len(frac) > 2 and int(frac[2]) >= 5:
        v += 1
    return -v if neg else v


def convert(cdnow_file: Path, out: Path) -> dict[str, int]:
    """Write the landing set for ``cdnow_file`` to ``out`` (replacing it); row counts per table."""
    cdnow_file, out = Path(cdnow_file), Path(out)
    ids, day, qty, cents = read_log(cdnow_file)
    if len(ids) == 0:
        raise ValueError(f"{cdnow_file} holds no CDNOW purchase lines")
    # customer-day aggregation
    cust_u, cust_i = np.unique(ids, return_inverse=True)
    key = cust_i.astype(np.int64) * 100_000 + (day - day.min())
    key_u, inv_i = np.unique(key, return_inverse=True)
    inv_c = key_u // 100_000
    inv_day = key_u % 100_000 + day.min()
    inv_q = np.bincount(inv_i, weights=qty, minlength=len(key_u)).astype(np.int64)
    inv_amt = np.bincount(inv_i, weights=cents, minlength=len(key_u))
    inv_amt = np.round(inv_amt).astype(np.int64)
    first = np.full(len(cust_u), np.iinfo(np.int64).max)
    np.minimum.at(first, cust_i, day)
    last = int(day.max())
    delivery = str(np.datetime64(last, "D"))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sink = Sink(out, [delivery])
    sink.bool_style = {}
    n_c, n_i = len(cust_u), len(key_u)
    cid = pa.array(cust_u.astype(object), pa.string())
    sink.emit("erp_customers", {
        "customer_id": cid, "customer_name": pc.binary_join_element_wise(pa.scalar("CDNOW customer"), cid, " "),
        "coc_number": pa.nulls(n_c, pa.string()), "industry_code": pa.nulls(n_c, pa.string()),
        "employee_count": pa.nulls(n_c, pa.int64()), "country": pa.array(["US"] * n_c),
        "postcode": pa.nulls(n_c, pa.string()), "created_date": _date32(first),
        "account_manager": pa.nulls(n_c, pa.string()), "payment_terms_days": np.zeros(n_c, np.int64),
        "credit_limit": pa.nulls(n_c, pa.string()), "is_blocked": pa.array(np.zeros(n_c, bool)),
    }, 0)
    sink.emit("erp_products", {
        "product_id": pa.array(["CD"]), "product_name": pa.array(["Compact disc"]),
        "product_group": pa.array(["Music CDs"]), "unit_cost": np.zeros(1, np.int64),
        "list_price": np.zeros(1, np.int64), "is_active": pa.array([True]),
    }, 0)
    day_str = pc.strftime(_date32(inv_day), format="%Y%m%d")
    inv_id = pc.binary_join_element_wise(cid.take(pa.array(inv_c)), day_str, "-")
    sink.emit("erp_sales_invoices", {
        "invoice_id": inv_id, "customer_id": cid.take(pa.array(inv_c)), "invoice_date": _date32(inv_day),
        "due_date": _date32(inv_day), "currency": pa.array(["EUR"] * n_i), "order_channel": pa.array(["web"] * n_i),
        "is_credit_note": pa.array(np.zeros(n_i, bool)), "sales_rep": pa.nulls(n_i, pa.string()),
    }, 0)
    # unit price to 4 decimals: cents * 100 / quantity, half away from zero
    q = np.maximum(inv_q, 1)
    up4 = (inv_amt * 100 * 2 + q) // (2 * q)
    sink.emit("erp_sales_invoice_lines", {
        "invoice_id": inv_id, "line_no": np.ones(n_i, np.int64), "product_id": pa.array(["CD"] * n_i),
        "quantity": inv_q * 100, "unit_price": _dec_string(pa.array(up4), 4), "discount_pct": np.zeros(n_i, np.int64),
        "net_amount": inv_amt, "cost_amount": np.zeros(n_i, np.int64),
    }, 0)
    sink.close()
    return {t: n for t, n in sink.counts.items() if n}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kansrijk.cdnow", description=__doc__.split("\n")[0])
    p.add_argument("cdnow_file", type=Path, help="CDNOW_master.txt or CDNOW_sample.txt")
    p.add_argument("--out", required=True, type=Path, help="landing folder to (re)create")
    a = p.parse_args(argv)
    counts = convert(a.cdnow_file, a.out)
    for t, n in counts.items():
        print(f"{t:28s} {n:>10,d}")
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
