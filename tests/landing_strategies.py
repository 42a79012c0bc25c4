"""Hypothesis strategies for contract-valid landing sets of random shape (issue 18, point 2).

`landing_sets()` draws a :class:`Landing`: 1-40 ERP customers (or none: prospects only), with or
without CRM, ledger, payments, shipments; only credit notes; one order value for everyone; all
purchases on one day; one delivery or several (folders created on disk out of name order), rows
re-sent with changes in later deliveries (latest delivery wins), snapshot deletions (a customer
missing from a later customers snapshot); amounts from cents to millions; dates at month and year
ends; names in any script (CJK, Arabic, emoji, quotes, delimiters, a line break), written as valid
CSV in a drawn dialect (delimiter, decimal separator, encoding: the settings the run gets), some CRM
files as Parquet (typed columns or ISO text). Every value follows ../shared/landing-contract.md
(types, keys unique per file, enumerations, ranges, no dates in the future).

The expected figures (`expected_sales`, `expected_ledger`) are computed from the rows written,
with the contract's rule applied by hand: per key, the row of the latest delivery (by name) wins.

`pytest -p tests.landing_strategies --hypothesis-profile=kansrijk-fuzz` (``make fuzz``) loads
this module early so that its profiles exist when the Hypothesis plugin reads the option.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from kansrijk.contract import ACTIVITY_TYPES, CASE_CATEGORIES, CHANNELS, LOST_REASONS, OUTCOMES, RESPONSES, TABLES
from tests.support import _fmt

# Profiles: `make test` runs a few examples, derandomized (the same ones every run); `make fuzz`
# runs many, from a random seed that Hypothesis prints with a failure (--hypothesis-seed=N repeats
# the run). One example is a full refresh (~30 s), so shrinking is off: a failing example's landing
# folder is kept on disk and printed instead (the test says where).
_common = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture],
               phases=[Phase.explicit, Phase.generate])
settings.register_profile("kansrijk-landing", max_examples=3, derandomize=True, **_common)
settings.register_profile("kansrijk-fuzz", max_examples=200, derandomize=False, **_common)

FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2026, 6, 30)  # every business date lies on or before this (the contract: not in the future)
CENT = Decimal("0.01")
SEED_COST_CENTERS = ("CS", "LOG", "OE", "SALES", "MKT", "CC", "GEN", "COMM")

# Names that have broken CSV readers and SQL before: every script, quotes, both delimiters,
# a line break inside a quoted field, words that look like null, numbers or booleans.
NASTY_NAMES = (
    "株式会社テスト", "北京贸易有限公司", "شركة الاختبار للتجارة", "עברית בע\"מ", "Ёлка и Ко",
    "Ωmega Σ", "Bäckerei Müller & Söhne", "🚀 Rocket 🚀", "👩‍👩‍👧 Family BV", 'Say "cheese"; BV',
    "O'Brien, Smith; Co", "'; drop table raw.erp_customers; --", "a;b,c\"d'e", "Line one\nline two",
    "  padded  ", "NULL", "null", "N/A", "true", "0", "1.234,56", "=SUM(A1)", "\\N", "ʻOkina",
    "Zoë's café", "x" * 200,
)

def _cp1252_ok(text: str) -> bool:
    try:
        text.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


# ------------------------------------------------------------------------------------- model


@dataclass
class Landing:
    """A landing set: per delivery, per table, the rows written; plus how they are written."""

    deliveries: dict[str, dict[str, list[dict]]]  # name -> table -> rows (contract columns)
    disk_order: list[str]  # the order the delivery folders are created in
    dialect: dict[str, tuple[str, str, str]]  # source -> (delimiter, decimal separator, encoding)
    parquet: dict[tuple[str, str], bool] = field(default_factory=dict)  # (delivery, table) -> typed columns?
    bool_style: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    header_case: dict[tuple[str, str], str] = field(default_factory=dict)  # 'lower' / 'upper'
    column_order: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    shape: dict[str, object] = field(default_factory=dict)  # what was drawn, for the failure report

    # -------------------------------------------------------------- settings and writing
    def settings(self) -> dict[str, str]:
        """The KANSRIJK_* CSV settings of this landing set's dialect (for support.kansrijk_env)."""
        out = {}
        for source, (delim, dec, enc) in self.dialect.items():
            out[f"{source}_csv_delimiter"] = delim
            out[f"{source}_csv_decimal"] = dec
            out[f"{source}_csv_encoding"] = enc
        return out

    def write(self, root: Path) -> Path:
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        for name in self.disk_order:
            folder = root / name
            folder.mkdir()
            for table, rows in self.deliveries[name].items():
                key = (name, table)
                order = self.column_order.get(key, TABLES[table].column_names)
                if key in self.parquet:
                    _write_parquet(folder / f"{table}.parquet", table, rows, order, typed=self.parquet[key])
                else:
                    _write_csv(folder / f"{table}.csv", table, rows, order, self.dialect[TABLES[table].source],
                               self.bool_style.get(key, ("true", "false")), self.header_case.get(key, "lower"))
        return root

    def __repr__(self) -> str:  # Hypothesis prints the failing example: its shape, not 90 kB of rows
        return f"<Landing {self.describe()}>"

    def _repr_pretty_(self, p, cycle) -> None:  # Hypothesis's printer (it would list every field)
        p.text(repr(self))

    def describe(self) -> str:
        parts = [", ".join(f"{k}={v}" for k, v in self.shape.items())]
        for name in sorted(self.deliveries):
            files = ", ".join(f"{t}:{len(r)}{'(pq)' if (name, t) in self.parquet else ''}"
                              for t, r in self.deliveries[name].items())
            parts.append(f"[{name}] {files}")
        parts.append(f"disk order {self.disk_order}, dialect {self.dialect}")
        return "\n".join(parts)

    # -------------------------------------------------------------- expected figures
    def final(self, table: str, with_delivery: bool = False) -> dict[tuple, dict]:
        """The rows that hold after every delivery: per key, the row of the latest delivery (by name)
        that carries the key. with_delivery: (delivery name, row) instead of the row."""
        key = TABLES[table].key
        out: dict[tuple, dict] = {}
        for name in sorted(self.deliveries):
            for r in self.deliveries[name].get(table, []):
                out[tuple(r[k] for k in key)] = (name, r) if with_delivery else r
        return out

    def expected_sales(self) -> dict[tuple[str, date], tuple[Decimal, Decimal]]:
        """(customer_key, month) -> (revenue, cost of goods) from the final invoice lines. A line whose
        invoice never arrived is the landing contract's orphan: customer_key 'unknown', dated by the
        delivery that brought the line."""
        invoices = {k[0]: r for k, r in self.final("erp_sales_invoices").items()}
        out: dict[tuple[str, date], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for (inv, _), (delivery, line) in self.final("erp_sales_invoice_lines", with_delivery=True).items():
            header = invoices.get(inv)
            if header is None:
                ck, month = "unknown", date.fromisoformat(delivery[:10]).replace(day=1)
            else:
                ck, month = "erp:" + header["customer_id"], header["invoice_date"].replace(day=1)
            acc = out[(ck, month)]
            acc[0] += line["net_amount"] or 0
            acc[1] += line["cost_amount"] or 0
        return {k: (v[0], v[1]) for k, v in out.items()}

    def expected_ledger(self) -> dict[tuple[date, str], Decimal]:
        """(month, cost center) -> ledger amount; a missing cost center is shown as '(none)'."""
        out: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
        for r in self.final("erp_gl_entries").values():
            out[(r["posting_date"].replace(day=1), r["cost_center"] or "(none)")] += r["amount"]
        return dict(out)


def _write_csv(path: Path, table: str, rows: list[dict], order: list[str], dialect: tuple[str, str, str],
               bools: tuple[str, str], header_case: str) -> None:
    delim, dec, enc = dialect
    with open(path, "w", newline="", encoding=enc) as fh:
        w = csv.writer(fh, delimiter=delim)
        w.writerow([c.upper() if header_case == "upper" else c for c in order])
        for r in rows:
            w.writerow([bools[0] if r.get(c) is True else bools[1] if r.get(c) is False else _fmt(r.get(c), dec)
                        for c in order])


def _write_parquet(path: Path, table: str, rows: list[dict], order: list[str], typed: bool) -> None:
    """Parquet with contract types (date32, timestamp, decimal128(18,4), int64, bool) or all text (ISO)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = TABLES[table]
    arrays, names = [], []
    for c in order:
        col = t.column(c)
        values = [r.get(c) for r in rows]
        if not typed and col.type != "string":
            arrays.append(pa.array([None if v is None else _fmt(v, ".") for v in values], pa.string()))
        else:
            typ = {"string": pa.string(), "int": pa.int64(), "decimal": pa.decimal128(18, 4), "date": pa.date32(),
                   "timestamp": pa.timestamp("us"), "bool": pa.bool_()}[col.type]
            if col.type == "timestamp":  # typed Parquet timestamps are naive UTC
                values = [None if v is None else v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v
                          for v in values]
            arrays.append(pa.array(values, typ))
        names.append(c)
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


# ------------------------------------------------------------------------------------- strategy
#
# One full refresh per example is expensive, so every example must be a different shape from the
# first one on: the shape and the bulk values come from a random.Random seeded by a number
# Hypothesis draws (printed in the failing example as seed=N; `build_landing(N, texts)` rebuilds it),
# and free text comes from Hypothesis's own text strategy (its unicode edge cases).

SPECIAL_DAYS = (date(2024, 2, 29), date(2019, 12, 31), date(2020, 1, 1), date(2023, 12, 31), date(2025, 1, 1),
                date(2021, 3, 31), date(2000, 2, 29), date(1999, 12, 31), LAST_DAY)


def _month_end(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _cents(n: int) -> Decimal:
    return (Decimal(n) * CENT).quantize(CENT)


TEXTS = st.lists(st.text(st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=16),
                 min_size=0, max_size=8)


@st.composite
def landing_sets(draw) -> Landing:
    return build_landing(draw(st.integers(0, 2**63 - 1)), draw(TEXTS))


def build_landing(seed: int, texts: list[str] = ()) -> Landing:  # noqa: C901 - one recipe, read top to bottom
    rnd = random.Random(seed)
    shape: dict[str, object] = {"seed": seed, "texts": list(texts)}  # build_landing(seed, texts) rebuilds it

    def chance(p: float) -> bool:
        return rnd.random() < p

    # ---- dialect: the defaults mostly, any contract combination sometimes; cp1252 sometimes
    def dialect(default: tuple[str, str]) -> tuple[str, str, str]:
        delim, dec = default if chance(0.75) else (rnd.choice([",", ";"]), rnd.choice([".", ","]))
        return delim, dec, "cp1252" if chance(0.2) else "utf-8"

    dialects = {"erp": dialect((";", ",")), "crm": dialect((",", "."))}
    pools = {}
    for src, (_, _, enc) in dialects.items():
        pools[src] = [n for n in NASTY_NAMES + tuple(texts) if enc == "utf-8" or _cp1252_ok(n)]

    def crm_text(text: str) -> bool:  # an ERP text reused in a CRM file must fit the CRM encoding
        return dialects["crm"][2] == "utf-8" or _cp1252_ok(text)

    def name(source: str) -> str | None:
        r = rnd.random()
        return None if r < 0.05 else f"Klant {rnd.randint(1, 999)}" if r < 0.4 else rnd.choice(pools[source])

    # ---- shape
    prospects_only = chance(0.12)
    n_customers = 0 if prospects_only else rnd.choice([1, 2, 3, rnd.randint(1, 40), rnd.randint(20, 40)])
    has_crm = prospects_only or chance(0.5)
    has_ledger = not prospects_only and chance(0.6)
    has_payments = not prospects_only and chance(0.5)
    has_shipments = not prospects_only and chance(0.5)
    only_credit_notes = not prospects_only and chance(0.12)
    one_value = chance(0.15)
    one_day = chance(0.15)
    odd_references = chance(0.3)  # orphan lines, invoice-only customers, unknown accounts and invoices
    max_cents = rnd.choice([1, 100, 10_000, 1_000_000, 100_000_000, 999_999_999])
    first = date(1990, 1, 1) if chance(0.1) else FIRST_DAY

    def any_day(lo: date, hi: date) -> date:
        r = rnd.random()
        if r < 0.15:
            return lo
        if r < 0.3:
            return hi
        d = lo + timedelta(days=rnd.randint(0, (hi - lo).days))
        if r < 0.55:
            d = _month_end(d) if _month_end(d) <= hi else d  # month ends; December: year ends
        elif r < 0.65:
            d = rnd.choice([s for s in SPECIAL_DAYS if lo <= s <= hi] or [d])
        return d

    lo = any_day(first, LAST_DAY - timedelta(days=1))
    hi = any_day(lo, LAST_DAY)
    the_day = any_day(lo, hi)
    shape.update(prospects_only=prospects_only, customers=n_customers, crm=has_crm, ledger=has_ledger,
                 payments=has_payments, shipments=has_shipments, only_credit_notes=only_credit_notes,
                 one_value=one_value, one_day=one_day, odd_references=odd_references, max_cents=max_cents,
                 dates=f"{lo}..{hi}")

    def day(after: date | None = None) -> date:
        """A business date in lo..hi (on or after `after`); the one day when all fall on one."""
        start = max(lo, after) if after else lo
        if one_day:
            return max(the_day, start)
        return any_day(start, hi) if start <= hi else start

    one_amount = _cents(rnd.randint(1, max_cents))
    half_amount = (one_amount / 2).quantize(CENT)

    def money(lo_cents: int = 1) -> Decimal:
        if one_value:
            return one_amount
        r = rnd.random()
        n = lo_cents if r < 0.1 else max(lo_cents, max_cents) if r < 0.2 else rnd.randint(lo_cents, max(lo_cents, max_cents))
        return _cents(n)

    key_style = rnd.choice([0, 0, 1, 2, 3, 4])
    shape["key_style"] = key_style

    def key(prefix: str, i: int) -> str:
        return [f"{prefix}{i}", f"{i:06d}", f"{prefix}-{i}-ü", f"{prefix} {i};x", f"{prefix}\"{i}"][key_style]

    # ---- deliveries: names in order (dates after the data, or same-day runs); created on disk in another order
    n_deliveries = rnd.choice([1, 1, 2, 3, rnd.randint(1, 6)])
    names_d: list[str] = []
    d = hi + timedelta(days=rnd.randint(0, 3))
    for i in range(n_deliveries):
        if i and chance(0.4):
            names_d.append(f"{d.isoformat()}T{rnd.randint(0, 23):02d}{rnd.randint(0, 59):02d}")
        else:
            d += timedelta(days=rnd.randint(1, 40)) if i else timedelta(0)
            names_d.append(d.isoformat())
    names_d = sorted(set(names_d))
    deliveries: dict[str, dict[str, list[dict]]] = {n: {} for n in names_d}

    def put(delivery: str, table: str, row: dict) -> None:
        deliveries[delivery].setdefault(table, []).append(row)

    def spread(table: str, rows: list[dict], change=None) -> None:
        """Deltas: each row to a random delivery; some re-sent (changed) in a later one; sometimes an
        empty file (header only) in a delivery."""
        for r in rows:
            i = rnd.randrange(len(names_d))
            put(names_d[i], table, r)
            if change is not None and i + 1 < len(names_d) and chance(0.25):
                put(names_d[rnd.randrange(i + 1, len(names_d))], table, change(dict(r)))
        if rows and chance(0.1):
            deliveries[rnd.choice(names_d)].setdefault(table, [])

    def snapshot(table: str, rows: list[dict]) -> None:
        """Snapshots: full copies in some deliveries; a deleted key is missing from the later ones
        (rarely every key: an empty snapshot)."""
        present = sorted(rnd.sample(names_d, rnd.randint(1, len(names_d))))
        keycol = TABLES[table].key[0]
        deleted_at = {}
        if len(present) > 1 and chance(0.6):
            share = 1.0 if chance(0.05) else 0.2
            deleted_at = {r[keycol]: rnd.randrange(1, len(present)) for r in rows if chance(share)}
        for i, n in enumerate(present):
            deliveries[n][table] = [r for r in rows if deleted_at.get(r[keycol], 99) > i]
        shape.setdefault("deleted", {})[table] = len(deleted_at)  # type: ignore[union-attr]

    # ---- ERP master data
    industries = [None, "46", "01", "99", "28", "62", "47"]
    countries = [None, "NL", "BE", "DE", "FR", "JP", "SA", "nl"]
    coc_pool = [f"{n:08d}" for n in rnd.sample(range(10**7, 10**8), 50)]
    customers = [{
        "customer_id": key("K", i + 1), "customer_name": name("erp"),
        "coc_number": rnd.choice([None, rnd.choice(coc_pool[:max(1, n_customers)])]),
        "industry_code": rnd.choice(industries), "employee_count": rnd.choice([None, 0, 3, 12, 60, 300, 100_000]),
        "country": rnd.choice(countries), "postcode": rnd.choice([None, "1234 AB", "9999", "B-1000"]),
        "created_date": day(), "account_manager": name("erp"),
        "payment_terms_days": rnd.choice([None, 0, 14, 30, 60, 365]),
        "credit_limit": rnd.choice([None, Decimal(0), money()]), "is_blocked": rnd.choice([None, True, False, False]),
    } for i in range(n_customers)]
    groups = [name("erp") or "Overig" for _ in range(rnd.randint(1, 3))]
    products = [{
        "product_id": key("P", i + 1), "product_name": name("erp"), "product_group": rnd.choice(groups + [None]),
        "unit_cost": money(0) if chance(0.9) else None, "list_price": money(0), "is_active": rnd.choice([True, False, None]),
    } for i in range(rnd.randint(1, 6))]
    if customers:
        snapshot("erp_customers", customers)
        snapshot("erp_products", products)

    # ---- invoices and lines (odd references: a customer only on invoices, lines whose invoice never comes)
    invoice_customers = [c["customer_id"] for c in customers]
    if odd_references and customers:
        invoice_customers.append(key("K", 900))
    invoices, lines, orphan_lines = [], [], []
    credit_share = 1.0 if only_credit_notes else rnd.choice([0.0, 0.1, 0.5])
    for cid in invoice_customers:
        for _ in range(rnd.randint(0 if chance(0.2) else 1, rnd.choice([1, 4, 12]))):
            inv_date = day()
            is_cn = chance(credit_share)
            terms = rnd.choice([0, 30])
            inv = {"invoice_id": key("F", len(invoices) + 1), "customer_id": cid, "invoice_date": inv_date,
                   "due_date": inv_date + timedelta(days=terms) if chance(0.9) else None,
                   "currency": rnd.choice(["EUR", "EUR", None]), "order_channel": rnd.choice(CHANNELS + (None,)),
                   "is_credit_note": is_cn if is_cn or chance(0.95) else None, "sales_rep": name("erp")}
            invoices.append(inv)
            for line_no in range(1, rnd.randint(1, 3) + 1):
                sign = -1 if is_cn else 1
                net = money(0 if chance(0.05) else 1)
                qty = Decimal(rnd.choice([1, 1, 2, 7, 1000]))
                cost = half_amount if one_value else _cents(rnd.randint(0, int(net / CENT) * 2))
                lines.append({"invoice_id": inv["invoice_id"], "line_no": line_no,
                              "product_id": rnd.choice(products)["product_id"] if chance(0.95) else None,
                              "quantity": sign * qty, "unit_price": (net / qty).quantize(Decimal("0.0001")),
                              "discount_pct": rnd.choice([Decimal(0), Decimal(0), Decimal("12.5"), Decimal(100)]),
                              "net_amount": sign * net, "cost_amount": sign * cost})
    if odd_references and customers:
        for i in range(rnd.randint(0, 2)):  # an invoice header whose lines never come (nothing to count)
            inv_date = day()
            invoices.append({"invoice_id": key("F", 8000 + i), "customer_id": rnd.choice(invoice_customers),
                             "invoice_date": inv_date, "due_date": inv_date, "currency": "EUR", "order_channel": None,
                             "is_credit_note": chance(0.2), "sales_rep": None})
        for i in range(rnd.randint(1, 3)):
            orphan_lines.append({"invoice_id": key("F", 9000 + i), "line_no": 1, "product_id": None,
                                 "quantity": Decimal(1), "unit_price": None, "discount_pct": None,
                                 "net_amount": money(), "cost_amount": money(0)})
    shape.update(invoices=len(invoices), lines=len(lines), orphan_lines=len(orphan_lines))

    def move_invoice(r: dict) -> dict:  # a re-sent header: another customer or another date
        if invoice_customers and chance(0.5):
            r["customer_id"] = rnd.choice(invoice_customers)
        else:
            r["invoice_date"] = day()
        return r

    def correct_line(r: dict) -> dict:
        sign = -1 if r["net_amount"] < 0 else 1
        r["net_amount"] = sign * money()
        r["cost_amount"] = sign * (half_amount if one_value else money(0))
        return r

    spread("erp_sales_invoices", invoices, move_invoice)
    spread("erp_sales_invoice_lines", lines + orphan_lines, correct_line)

    # ---- payments, shipments, ledger
    invoice_ids = [inv["invoice_id"] for inv in invoices] + ([key("F", 9999)] if odd_references else [])
    if has_payments and invoices:
        pays = []
        for inv in invoices:
            for _ in range(rnd.choice([0, 1, 1, 2])):
                pays.append({"payment_id": key("B", len(pays) + 1), "invoice_id": inv["invoice_id"],
                             "payment_date": day(inv["invoice_date"]), "amount": money() if chance(0.9) else None})
        if odd_references:
            pays.append({"payment_id": key("B", 9999), "invoice_id": key("F", 9999), "payment_date": day(),
                         "amount": money()})
        spread("erp_payments", pays, lambda r: {**r, "amount": money()})
    if has_shipments and invoices:
        ships = []
        for inv in invoices:
            if inv["is_credit_note"] and chance(0.8):
                continue
            for _ in range(rnd.choice([0, 1, 1, 2])):
                cust = inv["customer_id"] if chance(0.7) else rnd.choice([None, rnd.choice(invoice_customers)])
                ships.append({"shipment_id": key("S", len(ships) + 1), "invoice_id": rnd.choice([inv["invoice_id"]] * 9 + invoice_ids),
                              "customer_id": cust, "ship_date": day(inv["invoice_date"]),
                              "package_count": rnd.choice([0, 1, 3, None]), "is_express": rnd.choice([True, False, None]),
                              "freight_cost": money(0) if chance(0.7) else None})
        spread("erp_shipments", ships, lambda r: {**r, "freight_cost": money(0)})
    if has_ledger:
        entries = []
        ledger_customers = invoice_customers + ([key("K", 901)] if odd_references else [])
        for i in range(rnd.randint(1, 30)):
            amount = money(0)
            entries.append({"entry_id": key("G", i + 1), "posting_date": day(),
                            "gl_account": rnd.choice(["4000", "4100", "8000"]), "gl_account_name": name("erp"),
                            "cost_center": rnd.choice(SEED_COST_CENTERS + ("ZZZ", None)),
                            "amount": -amount if chance(0.1) else amount,
                            "customer_id": rnd.choice(ledger_customers) if ledger_customers and chance(0.3) else None,
                            "description": name("erp")})
        spread("erp_gl_entries", entries, lambda r: {**r, "amount": money(0)})

    # ---- CRM (odd references: accounts of unknown ERP customers, two accounts on one customer,
    # activities and touches of unknown accounts)
    if has_crm:
        accounts = []
        for c in customers:
            for _ in range(2 if odd_references and chance(0.2) else 1 if chance(0.7) else 0):
                by_coc = c["coc_number"] is not None and chance(0.3)
                accounts.append({"erp_customer_id": None if by_coc else c["customer_id"], "coc_number": c["coc_number"]})
        for _ in range(rnd.randint(1 if prospects_only else 0, 12)):
            accounts.append({"erp_customer_id": key("K", 902) if odd_references and chance(0.2) else None,
                             "coc_number": rnd.choice([None, rnd.choice(coc_pool)])})
        if not accounts:
            accounts.append({"erp_customer_id": None, "coc_number": None})
        for i, a in enumerate(accounts):
            a.update({"account_id": key("A", i + 1), "account_name": name("crm"),
                      "industry_code": rnd.choice(industries), "employee_count": rnd.choice([None, 0, 5, 40, 300, 10_000]),
                      "country": rnd.choice(countries), "postcode": rnd.choice([None, "1234 AB"]),
                      "lead_source": rnd.choice([None, "web", "beurs"]), "owner": name("crm"), "created_date": day()})
        snapshot("crm_accounts", accounts)
        account_ids = [a["account_id"] for a in accounts] + ([key("A", 999)] if odd_references else [])
        acts = [{"activity_id": key("X", i + 1), "account_id": rnd.choice(account_ids),
                 "activity_type": rnd.choice(ACTIVITY_TYPES + (None,)), "activity_date": day(),
                 "duration_minutes": rnd.choice([None, 0, 5, 30, 600]), "owner": name("crm"),
                 "outcome": rnd.choice(OUTCOMES + (None,))}
                for i in range(rnd.choice([0, rnd.randint(1, 30)]))]
        spread("crm_activities", acts, lambda r: {**r, "duration_minutes": rnd.choice([1, 45])})
        opps = []
        for i in range(rnd.choice([0, rnd.randint(1, 15)])):
            created = day()
            stage = rnd.choice(("open", "won", "lost"))
            opps.append({"opportunity_id": key("O", i + 1), "account_id": rnd.choice(account_ids),
                         "created_date": created, "quote_date": rnd.choice([None, day(created)]),
                         "close_date": None if stage == "open" else day(created), "stage": stage,
                         "amount": money(0), "product_group": rnd.choice([g for g in groups if crm_text(g)] + [None]),
                         "lost_reason": rnd.choice(LOST_REASONS) if stage == "lost" else None,
                         "competitor": name("crm") if stage == "lost" else None})
        spread("crm_opportunities", opps, lambda r: {**r, "amount": money(0)})
        cases = []
        for i in range(rnd.choice([0, rnd.randint(1, 10)])):
            opened = datetime.combine(day(), datetime.min.time()) + timedelta(minutes=rnd.randint(0, 1439))
            if chance(0.3):
                opened = opened.replace(tzinfo=timezone(timedelta(hours=rnd.choice([-5, 0, 2]))))
            closed = opened + timedelta(hours=rnd.randint(0, 200)) if chance(0.7) else None
            if closed is not None and closed.replace(tzinfo=None) > datetime.combine(LAST_DAY, datetime.min.time()):
                closed = None
            cases.append({"case_id": key("C", i + 1), "account_id": rnd.choice(account_ids),
                          "opened_at": opened, "closed_at": closed, "category": rnd.choice(CASE_CATEGORIES),
                          "handling_minutes": rnd.choice([None, 0, 15, 240])})
        spread("crm_service_cases", cases, lambda r: {**r, "handling_minutes": 30})
        if chance(0.5):
            camps = [{"campaign_id": key("M", i + 1), "campaign_name": name("crm"),
                      "channel": rnd.choice([None, "email", "beurs"]), "start_date": day(), "total_cost": money(0)}
                     for i in range(rnd.randint(1, 4))]
            snapshot("crm_campaigns", camps)
            touches = [{"touch_id": key("T", i + 1), "campaign_id": rnd.choice(camps)["campaign_id"],
                        "account_id": rnd.choice(account_ids), "touch_date": day(),
                        "response": rnd.choice(RESPONSES + (None,))}
                       for i in range(rnd.randint(0, 20))]
            spread("crm_campaign_touches", touches)

    deliveries = {n: t for n, t in deliveries.items() if t}
    if not deliveries:  # nothing drawn at all: one empty customers snapshot keeps the set a landing set
        deliveries = {names_d[0]: {"erp_customers": []}}
    disk_order = list(deliveries)
    rnd.shuffle(disk_order)

    landing = Landing(deliveries, disk_order, dialects, shape=shape)
    for n, tables in deliveries.items():
        for t in tables:
            k = (n, t)
            if TABLES[t].source == "crm" and chance(0.3):
                landing.parquet[k] = chance(0.5)
            landing.bool_style[k] = rnd.choice([("true", "false"), ("TRUE", "False"), ("1", "0")])
            landing.header_case[k] = rnd.choice(["lower", "lower", "upper"])
            if chance(0.2):
                cols = list(TABLES[t].column_names)
                rnd.shuffle(cols)
                landing.column_order[k] = cols
    return landing
