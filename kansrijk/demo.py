"""Demo landing set: "Van der Berg Techniek Groothandel B.V.", a Dutch technical wholesaler.

``python -m kansrijk.demo --out DIR [--customers 2000 --prospects 3000 --years 3
--seed 42 --end-date 2026-10-31]`` writes a landing folder that follows
``../shared/landing-contract.md`` exactly (columns and their order come from
:mod:`kansrijk.contract`). :func:`generate` is the same as a function and returns
the row count per table (re-sent rows counted in every delivery that carries them).

Everything is vectorised with numpy and written month by month (pyarrow CSV and
Parquet writers), so ``--customers 100000 --years 5`` (~20 M invoice lines) runs
in minutes within a few GB. The same seed gives byte-identical files.

Files and deliveries
--------------------
``<out>/<delivery>/<table>.csv|parquet``. ERP tables are CSV in the Dutch ERP
dialect (``;``, decimal comma, UTF-8, header, ISO dates); booleans are
``true``/``false`` except ``erp_customers`` in the second delivery (``TRUE``/
``FALSE``) and ``erp_shipments`` in the second delivery (``1``/``0``). CRM
tables are Parquet with typed DATE/TIMESTAMP/DECIMAL columns, except the second
delivery, whose CRM dates and timestamps are ISO strings. Each delivery carries
``_manifest.csv`` (contract v1.1: ``file,rows,amount_total``) with the control totals
of its ERP files, as ERP exports often do.

=====================  ============================================================
delivery               content
=====================  ============================================================
end - 30 days          initial load: all history from ``end - years`` up to that day,
                       snapshots of customers, products, CRM accounts, campaigns
end - 15 days          delta: new rows of the period, re-sent changed rows (invoice
                       lines with corrected discounts, opportunities that got a quote
                       or closed, service cases that closed), customer snapshot
end                    delta + full snapshots; in the customer snapshot a few customers
                       changed (blocked, other account manager, credit limit) and two
                       long-churned customers are missing (archived); new products,
                       two products deactivated
end + ``T1400``        afternoon re-run: a few corrected invoice lines and a few
                       opportunities that closed that day
=====================  ============================================================

Stock (contract v1.1, optional): ``erp_products.lead_time_days`` (3-42 days, ~8% null)
and, in the delivery at ``end``, an ``erp_stock_levels`` snapshot (one main warehouse,
a second one for about a quarter of the products). Stock follows each product's demand
over the last year: most products hold one lead time plus a few weeks of it, ~12% are
overstocked (4-13 months of cover), ~15% are short (under half a lead time, often with
stock on order), four discontinued products (``(uitlopend)``, inactive, never sold in
the data) are dead stock. The stock parts draw from their own random stream, so every
other file is what it was without them.

Nothing in a delivery is dated after the delivery's date (due dates excepted:
they are promises, not events).

Money: ``net_amount = round(quantity * unit_price * (1 - discount_pct/100), 2)``,
``cost_amount = round(quantity * unit_cost, 2)`` (standard cost of the product),
``unit_price`` is the product's ``list_price``. Payments are the invoice's net
total (VAT is left out of the demo). Credit notes (~2%) carry negative
quantities and amounts, get no payment and no shipment.

Planted facts (what the marts must find)
----------------------------------------
=========================================================  ==================================================
planted fact                                               mart that should show it
=========================================================  ==================================================
43-medium and 28-large: low discount (4-5%), high-markup   segment ranking / segment profitability: top
product mix, volume growing 15-18%/year, high hit rates    margin, growth, hit rate and attractiveness
(0.5-0.55), best workshop scores; 43-large and 28-medium
close behind
47-micro and 56-micro: discounts ~20%, many tiny orders,   segment profitability after cost to serve: bottom,
express shipments, 3+ service cases/year, pay 25-30 days   loss-making or close to it; low hit rates; low
late, shrinking 8-10%/year, poor workshop scores           scores in segment_assessment
~6% of customers ("high cost to serve", small..large):     customer profitability: top decile on revenue and
3-4x normal revenue but 4x order frequency with ~1.5       gross margin, negative after cost to serve (the
lines per order, 60% express, ~14 service cases/year       "whales" that cost money)
(complaints, disputes), pay ~55 days late, 4% of invoices
written off as bad debt, 7% yearly customer bonus, extra
discount, extra sales visits
~12% churned 1-2 years before the end, ~6% lapsed 5-11     lifecycle: ex-customers and lapsed customers in
months before the end                                      dim_customer; CLV / retention
prospects (``--prospects``, default 1.5 x customers): CRM  dim_customer prospects per segment; 86-large exists
accounts without erp_customer_id in every segment; 86-     only as prospects (and in the market)
large has prospects only
~3% of ERP customers have no linked CRM account but an     identity matching: these accounts map to the ERP
unlinked CRM account whose coc_number equals theirs        customer's customer_key (erp:...)
28-micro: in market_universe, no customers, no prospects   dim_segment / market penetration 0 with potential
46-large: customers but no row in market_universe          market penetration unknown (no market figures)
each industry buys a characteristic subset of the 11       customer penetration and white space: ~15% of
product groups (e.g. 43 installers: Elektra, Verwarming &  customers miss their segment's most popular group
klimaat, Sanitair, ...; 28 machinery: Aandrijftechniek,    although they buy most of the others
Pneumatiek & hydrauliek, ...)
funnel: calls/visits/meetings/emails/demos with outcomes   hit rates and addresses needed per segment; miss
no_contact -> contact -> appointment -> quote_requested;   analysis: lost to whom (Technoprof dominates 43,
opportunities won/lost/open, lost_reason, 5 competitors    Van Dam Industrial Supply dominates 28)
campaigns (email, webinar, events, trade fairs, ...) with  marketing cost per segment, inbound requests per
touches; responses incl. inbound_request, more in the      segment
attractive segments
ledger per month and cost center: CS, LOG, OE, SALES, MKT, cost to serve: every pool allocated by its driver;
CC, GEN, COMM (commission per customer and month, yearly   COMM/CC lines with customer_id go to that customer
customer bonus), CC bad-debt write-offs with customer_id;  directly; LOG freight of shipments with a
LOG contains all freight: shipments with freight_cost go   freight_cost goes direct, the rest is spread
direct, ~20% of shipments (all of DE and a random part)    by shipments
have null freight_cost and are only in the LOG ledger
cost center IT (0.8% of revenue + fixed) is in the ledger  allocation: unallocated with reason "no driver"
but not in seeds/cost_center_drivers.csv
=========================================================  ==================================================

The seeds in ``seeds/`` (cost_center_drivers, market_universe,
segment_assessment, sales_targets) describe this company at the default size.
"""

from __future__ import annotations

import argparse
import calendar
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kansrijk.contract import MANIFEST, TABLES

COMPANY = "Van der Berg Techniek Groothandel B.V."
EPOCH = date(1970, 1, 1)

# --------------------------------------------------------------------------------------
# Reference data of the demo company
# --------------------------------------------------------------------------------------
INDUSTRIES = ["46", "43", "41", "28", "47", "86", "56"]
SIZES = ["micro", "small", "medium", "large"]
EMP_LO = np.array([1, 10, 50, 250])
EMP_HI = np.array([9, 49, 249, 2500])
IND_W = np.array([0.16, 0.30, 0.14, 0.10, 0.13, 0.07, 0.10])
# customers' size mix per industry (28-micro: never a customer; 86-large: prospects only)
SIZE_W = np.array([
    [0.30, 0.35, 0.25, 0.10],  # 46 wholesale / resellers
    [0.35, 0.35, 0.22, 0.08],  # 43 installers
    [0.35, 0.35, 0.20, 0.10],  # 41 building
    [0.00, 0.35, 0.40, 0.25],  # 28 machinery
    [0.55, 0.30, 0.12, 0.03],  # 47 retail
    [0.35, 0.38, 0.27, 0.00],  # 86 healthcare
    [0.60, 0.30, 0.08, 0.02],  # 56 horeca
])
PROSPECT_IND_W = np.array([0.12, 0.30, 0.20, 0.06, 0.14, 0.10, 0.08])
PROSPECT_SIZE_W = np.array([0.50, 0.30, 0.15, 0.05])

GROUPS = [
    "Elektra", "Verlichting", "Sanitair", "Verwarming & klimaat", "Gereedschap",
    "Bevestigingsmaterialen", "PBM & werkkleding", "Aandrijftechniek",
    "Pneumatiek & hydrauliek", "Schoonmaak & hygiëne", "Bouwchemie & afdichting",
]
G = len(GROUPS)
GROUP_MARKUP = np.array([1.50, 1.62, 1.58, 1.78, 1.65, 1.70, 1.60, 1.75, 1.72, 1.45, 1.62])
GROUP_COST = np.array([15.0, 25, 45, 90, 35, 8, 18, 60, 50, 9, 12])  # median unit cost EUR
GROUP_QTY = np.array([4.0, 2, 1, 1, 1, 10, 3, 1, 1.5, 5, 3])  # typical quantity per line
GROUP_NOUNS = [
    ["Installatiekabel", "Schakelaar", "Wandcontactdoos", "Installatiebuis", "Aardlekautomaat"],
    ["LED-paneel", "LED-buis", "Armatuur", "Schijnwerper", "Noodverlichting"],
    ["Mengkraan", "Closetcombinatie", "Sifon", "Perskoppeling", "Wastafel"],
    ["Radiatorkraan", "CV-pomp", "Thermostaat", "Warmtepompset", "Expansievat"],
    ["Accuboormachine", "Waterpas", "Bitset", "Haakse slijper", "Moersleutelset"],
    ["Houtschroef", "Keilbout", "Pluggen", "Draadeind", "Parker"],
    ["Werkhandschoen", "Veiligheidsbril", "Werkjas", "Veiligheidsschoen", "Gehoorbeschermer"],
    ["Kogellager", "V-snaar", "Tandwielkast", "Koppeling", "Elektromotor"],
    ["Pneumatische cilinder", "Hydraulische slang", "Ventielblok", "Snelkoppeling", "Drukregelaar"],
    ["Handzeep", "Papierrol", "Allesreiniger", "Desinfectiemiddel", "Afvalzak"],
    ["Siliconenkit", "PU-schuim", "Montagelijm", "Afdichtband", "Primer"],
]
BRANDS = ["Vdb Pro", "Hollandia", "Techmaster", "Nordline", "Kraft&Co", "Eurotec"]
# relevance of product groups per industry (0 = not relevant)
IND_GROUPS = np.array([
    [.12, .10, .10, .10, .12, .12, .08, .06, .06, .07, .07],  # 46
    [.22, .10, .16, .28, .08, .10, .04, 0, 0, 0, .02],  # 43
    [.08, 0, .08, 0, .20, .26, .15, 0, 0, 0, .23],  # 41
    [.06, 0, 0, 0, .15, .16, .10, .30, .23, 0, 0],  # 28
    [.10, .20, 0, 0, .25, .20, 0, 0, 0, .15, .10],  # 47
    [.10, .15, .20, 0, 0, 0, .20, 0, 0, .35, 0],  # 86
    [.10, .20, .20, .10, 0, 0, 0, 0, 0, .40, 0],  # 56
])
TRADES = [
    ["Handelsonderneming", "Groothandel", "Distributie", "Trading"],
    ["Installatietechniek", "Elektrotechniek", "Installatiebedrijf", "Klimaattechniek"],
    ["Bouw", "Aannemersbedrijf", "Bouwbedrijf", "Renovatie"],
    ["Machinefabriek", "Metaalbewerking", "Precisietechniek", "Constructie"],
    ["IJzerwaren", "Bouwmarkt", "Doe-het-zelf", "Huishoudwinkel"],
    ["Zorggroep", "Kliniek", "Tandartspraktijk", "Fysiotherapie"],
    ["Eetcafé", "Restaurant", "Hotel", "Brasserie"],
]
SURNAMES = [
    "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden",
    "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
    "de Bruijn", "de Jong", "Schouten", "van Beek", "Willems", "van Dijk", "Hoekstra",
    "Maas", "Verhoeven", "Koster", "Müller", "Peeters", "Claes", "Goossens", "Schmidt",
]
FIRSTNAMES = [
    "Jan", "Pieter", "Kees", "Anouk", "Sanne", "Mark", "Bas", "Eva", "Lotte", "Ruud",
    "Femke", "Thijs", "Joost", "Ilse", "Martijn", "Noor", "Daan", "Sophie", "Wim", "Esther",
    "Rik", "Marloes", "Jeroen", "Inge", "Koen", "Linda", "Tom", "Ans", "Hans", "Mirjam",
]
COUNTRIES = ["NL", "BE", "DE"]
COUNTRY_W = np.array([0.80, 0.12, 0.08])
LEGAL = {"NL": ["B.V.", "B.V.", "V.O.F.", "", "Holding B.V."], "BE": ["BV", "NV", "BV", "", "CommV"],
         "DE": ["GmbH", "GmbH", "GmbH & Co. KG", "e.K.", "AG"]}
COMPETITORS = ["Technoprof", "Rexa Groothandel", "Bouwmaat Direct", "Van Dam Industrial Supply",
               "Zwart Technische Handel"]
CHANNEL_W = np.array([  # web, edi, email, phone, field  per size class
    [0.30, 0.00, 0.25, 0.40, 0.05],
    [0.35, 0.05, 0.25, 0.25, 0.10],
    [0.30, 0.25, 0.20, 0.10, 0.15],
    [0.15, 0.60, 0.10, 0.05, 0.10],
])

# Segment behaviour: arrays [industry, size]
S_FREQ = np.tile([0.4, 0.7, 1.3, 2.3], (7, 1))  # invoices per month
S_LPI = np.tile([2.0, 2.8, 3.5, 4.5], (7, 1))  # lines per invoice
S_QTY = np.tile([1.0, 1.6, 2.5, 4.0], (7, 1))  # quantity scale
S_DISC = np.tile([8.0, 10, 13, 17], (7, 1))  # mean discount %
S_GROWTH = np.full((7, 4), 0.02)  # volume growth per year
S_EXPRESS = np.tile([0.08, 0.06, 0.05, 0.04], (7, 1))
S_CASES = np.tile([0.8, 1.0, 1.5, 2.5], (7, 1))  # service cases per year
S_LATE = np.tile([5.0, 3, 2, 2], (7, 1))  # days paid after due date
S_HIT = np.full((7, 4), 0.35)  # opportunity win rate (customers)
S_CONV = np.full((7, 4), 1.0)  # funnel multiplier for appointments/quotes/inbound
S_BADDEBT = np.full((7, 4), 0.004)


def _seg(ind: str, size: str, **kw: float) -> None:
    i, s = INDUSTRIES.index(ind), SIZES.index(size)
    arrays = {"freq": S_FREQ, "lpi": S_LPI, "qty": S_QTY, "disc": S_DISC, "growth": S_GROWTH,
              "express": S_EXPRESS, "cases": S_CASES, "late": S_LATE, "hit": S_HIT,
              "conv": S_CONV, "baddebt": S_BADDEBT}
    for k, v in kw.items():
        arrays[k][i, s] = v


_seg("43", "medium", disc=2, growth=0.18, hit=0.55, conv=1.5)
_seg("43", "large", disc=8, growth=0.10, hit=0.50, conv=1.3)
_seg("28", "large", disc=3, growth=0.15, hit=0.50, conv=1.4)
_seg("28", "medium", disc=7, growth=0.08, hit=0.45, conv=1.2)
_seg("41", "medium", growth=0.06)
_seg("47", "micro", disc=22, growth=-0.10, freq=0.6, lpi=1.4, qty=0.6, express=0.30, cases=3.0,
     late=25, hit=0.15, conv=0.6, baddebt=0.02)
_seg("56", "micro", disc=21, growth=-0.08, freq=0.6, lpi=1.5, qty=0.6, express=0.35, cases=3.5,
     late=30, hit=0.18, conv=0.6, baddebt=0.02)
_seg("47", "small", disc=15, growth=-0.03, late=12, cases=2.0, hit=0.25)
_seg("56", "small", disc=14, late=15, hit=0.25)
for _s in SIZES:
    _seg("86", _s, hit=0.25, conv=0.8)
_seg("86", "large", hit=0.05, conv=0.4)

CASE_MIN = np.array([12.0, 45, 30, 40, 35])  # question, complaint, return, invoice_dispute, delivery_issue
CASE_P = np.array([0.45, 0.15, 0.15, 0.10, 0.15])
CASE_P_HC = np.array([0.15, 0.30, 0.15, 0.20, 0.20])
ACT_MIN_LO = np.array([3, 45, 30, 2, 45])  # call, visit, meeting, email, demo
ACT_MIN_HI = np.array([20, 120, 90, 10, 90])
CAMPAIGN_CHANNELS = ["email", "webinar", "event", "trade_fair", "direct_mail", "linkedin"]
CAMPAIGN_COST = np.array([[2500, 6000], [5000, 12000], [15000, 35000], [40000, 80000],
                          [8000, 20000], [4000, 10000]])
CAMPAIGN_REACH = np.array([0.7, 0.4, 0.15, 0.2, 0.5, 0.3])
CAMPAIGN_THEMES = ["Voorjaarsactie", "Duurzaam installeren", "Nieuw assortiment", "Veilig werken",
                   "Energietransitie", "Najaarsbeurs", "Service & onderhoud", "Eindejaarsvoordeel"]

BIG = 10**9  # "never" as a day number


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _d(x: date) -> int:
    return (x - EPOCH).days


def _date(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    s = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    if not prefix:
        return s
    return pc.binary_join_element_wise(pa.scalar(prefix), s, "")


def _take(strings, idx: np.ndarray) -> pa.Array:
    arr = strings if isinstance(strings, pa.Array) else pa.array(strings, type=pa.string())
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def _nullable(values, mask: np.ndarray | None, type_=None) -> pa.Array:
    return pa.array(values, type=type_, mask=mask if mask is not None and mask.any() else None)


def _cents(x: np.ndarray) -> np.ndarray:
    """EUR floats -> int64 cents (half away from zero)."""
    return (np.sign(x) * np.floor(np.abs(x) * 100 + 0.5)).astype(np.int64)


def _choice_rows(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a cumulative-probability matrix."""
    u = rng.random(cum.shape[0])
    return np.minimum((u[:, None] > cum).sum(axis=1), cum.shape[1] - 1)


def _cum(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    c = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
    c[..., -1] = 1.0
    return c


def _uniform_days(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + np.floor(rng.random(lo.shape[0]) * (hi - lo + 1)).astype(np.int64)


def _weekday(days: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Move Saturdays/Sundays to the Friday before, staying inside [lo, hi]."""
    dow = (days + 3) % 7  # 0 = Monday
    shifted = days - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))
    return np.where(shifted >= lo, shifted, np.minimum(days + np.where(dow == 5, 2, 1), hi))


# --------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------
def generate(out: Path, customers: int = 2000, prospects: int | None = None, years: int = 3,
             seed: int = 42, end_date: date = date(2026, 10, 31)) -> dict[str, int]:
    """Write a demo landing set to ``out`` (replacing it) and return row counts per table."""
    return _Demo(Path(out), customers, prospects, years, seed, end_date).run()


def planted_churn(customers: int = 2000, prospects: int | None = None, years: int = 3,
                  seed: int = 42, end_date: date = date(2026, 10, 31)) -> dict[str, tuple[str, date]]:
    """The customers :func:`generate` plants as churned, with the same arguments: ERP
    customer id -> (``"gone"`` (stopped 1-2 years before the end) or ``"silent"`` (stopped
    5-11 months before the end), the first day it no longer buys). Writes nothing; it replays
    the generator's own draws up to its customer master data, so it agrees with the files."""
    d = _Demo(Path("."), customers, prospects, years, seed, end_date)
    d.make_people()
    d.make_products()
    d.make_customers()
    ids = d.c_ids.to_pylist()
    return {ids[i]: ("gone" if d.c_churn[i] <= d.end - 365 else "silent", _date(d.c_churn[i]))
            for i in np.flatnonzero(d.c_churn < BIG)}


class _Demo:
    def __init__(self, out, customers, prospects, years, seed, end_date):
        if customers < 20:
            raise ValueError("--customers must be at least 20")
        self.out = out
        self.N = int(customers)
        self.P = int(round(1.5 * customers)) if prospects is None else int(prospects)
        self.years = int(years)
        self.rng = np.random.default_rng(seed)
        # the stock parts (lead times, stock levels, discontinued products) draw from their own
        # stream, so adding them left every other file of a seed unchanged
        self.stock_rng = np.random.default_rng([seed, 22])
        self.end_date = end_date
        self.end = _d(end_date)
        try:
            start_date = end_date.replace(year=end_date.year - years)
        except ValueError:  # 29 February
            start_date = end_date.replace(year=end_date.year - years, day=28)
        self.start = _d(start_date) + 1
        self.scale = self.N / 2000.0
        dd = [self.end - 30, self.end - 15, self.end]
        self.deliv_days = np.array(dd, dtype=np.int64)
        self.deliveries = [_date(d).isoformat() for d in dd] + [end_date.isoformat() + "T1400"]
        self.sink = Sink(out, self.deliveries)
        self.counters: dict[str, int] = {}

    # ---- small utilities -------------------------------------------------------------
    def deliv_of(self, days: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.deliv_days, np.asarray(days), side="left")

    def next_ids(self, name: str, n: int) -> np.ndarray:
        c = self.counters.get(name, 0)
        self.counters[name] = c + n
        return np.arange(c + 1, c + n + 1, dtype=np.int64)

    # ---- run -----------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        if self.out.exists():
            shutil.rmtree(self.out)
        self.out.mkdir(parents=True)
        self.make_people()
        self.make_products()
        self.make_stock_master()
        self.make_customers()
        self.make_accounts()
        self.make_campaigns()
        self.acquisition_opportunities()
        self.carry = {"lines_d1": [], "lines_d3": [], "opps_open": []}
        self.year_revenue = np.zeros(self.N)
        for ws, we in self.months():
            self.month(ws, we)
        self.resends()
        self.snapshots()
        self.stock_levels()
        self.sink.close()
        return dict(self.sink.counts)

    def months(self):
        d = _date(self.start).replace(day=1)
        while _d(d) <= self.end:
            last = d.replace(day=calendar.monthrange(d.year, d.month)[1])
            yield max(_d(d), self.start), min(_d(last), self.end)
            d = last + timedelta(days=1)

    # ---- master data -------------------------------------------------------------------
    def make_people(self):
        rng = self.rng
        n = max(4, self.N // 120)
        combos = np.array([f"{f} {s}" for f in FIRSTNAMES for s in SURNAMES[:40]])
        combos = combos[rng.permutation(len(combos))]
        if n > len(combos):
            extra = np.array([f"{combos[i % len(combos)]} {i // len(combos) + 1}" for i in range(len(combos), n)])
            combos = np.concatenate([combos, extra])
        self.reps = combos[:n]

    def make_products(self):
        rng = self.rng
        n = max(120, min(500, 200 + self.N // 10)) if self.N < 3000 else 500
        gw = np.array([.12, .10, .10, .10, .12, .12, .08, .07, .07, .06, .06])
        grp = np.sort(rng.choice(G, n, p=gw / gw.sum()))
        cost = GROUP_COST[grp] * np.exp(rng.normal(0, 0.8, n))
        by_meter = (grp == 0) & (rng.random(n) < 0.3)
        cost = np.where(by_meter, rng.uniform(0.6, 3.5, n), cost)
        cost_c = np.maximum(_cents(cost), 5)
        markup = GROUP_MARKUP[grp] * np.exp(rng.normal(0, 0.08, n))
        list_c = _cents(cost_c / 100 * markup)
        noun = np.array([GROUP_NOUNS[g][i] for g, i in zip(grp, rng.integers(0, 5, n))])
        brand = np.array(BRANDS)[rng.integers(0, len(BRANDS), n)]
        code = rng.integers(100, 9999, n).astype(str)
        name = np.char.add(np.char.add(np.char.add(noun, " "), np.char.add(brand, " ")), code)
        name = np.where(by_meter, np.char.add(name, " (per meter)"), name)
        self.prod_n = n
        self.prod_group = grp
        self.prod_cost = cost_c
        self.prod_list = list_c
        self.prod_by_meter = by_meter
        self.prod_name = name
        self.prod_ids = _ids("P", np.arange(1, n + 1), 5)
        self.prod_active = rng.random(n) > 0.05
        self.group_start = np.searchsorted(grp, np.arange(G), side="left")
        self.group_count = np.bincount(grp, minlength=G)

    def make_stock_master(self):
        """Lead times per product and the discontinued (dead-stock) products; own random stream."""
        rs, n = self.stock_rng, self.prod_n
        self.prod_lead = rs.choice([3, 5, 7, 10, 14, 21, 28, 42], n, p=[.08, .12, .18, .15, .2, .12, .1, .05])
        self.prod_lead_null = rs.random(n) < 0.08
        self.prod_recent_q100 = np.zeros(n, np.int64)  # net quantity sold in the last year, filled by month()
        k = 4
        groups = rs.choice(G, k)
        cost_c = np.maximum(_cents(GROUP_COST[groups] * np.exp(rs.normal(0, 0.5, k))), 5)
        self.dead = {
            # ids after the three products the last snapshot adds
            "ids": _ids("P", np.arange(n + 4, n + 4 + k), 5),
            "names": np.array([f"{GROUP_NOUNS[g][0]} Oud {7000 + i} (uitlopend)" for i, g in enumerate(groups)]),
            "groups": groups, "cost": cost_c, "list": _cents(cost_c / 100 * GROUP_MARKUP[groups]),
            "lead": np.full(k, 21), "on_hand": rs.integers(20, 400, k),
        }

    def stock_levels(self):
        """The erp_stock_levels snapshot at the end date, from each product's last-year demand."""
        rs, n = self.stock_rng, self.prod_n
        per_day = np.maximum(self.prod_recent_q100, 0) / 100 / 365  # units per day
        lead = np.where(self.prod_lead_null, 14, self.prod_lead)
        kind = rs.random(n)
        over, short = kind < 0.12, (kind >= 0.12) & (kind < 0.27)
        cover = np.where(over, rs.uniform(120, 400, n),
                         np.where(short, rs.uniform(0, 0.5, n) * lead, rs.uniform(0.8, 1.0, n) * lead + rs.uniform(7, 35, n)))
        on_hand = np.round(per_day * cover).astype(np.int64)
        stocked = (rs.random(n) > 0.05) & (per_day > 0)  # ~5% not kept in stock at all
        on_order = np.where(short & (rs.random(n) < 0.7), np.round(per_day * (lead + 28)),
                            np.where(rs.random(n) < 0.3, np.round(per_day * 28), 0)).astype(np.int64)
        order_null = rs.random(n) < 0.15
        own_cost = rs.random(n) < 0.2
        cost = np.where(own_cost, _cents(self.prod_cost / 100 * rs.uniform(0.92, 1.08, n)), 0)
        second = rs.random(n) < 0.25
        split = np.where(second, np.round(on_hand * rs.uniform(0.2, 0.4, n)), 0).astype(np.int64)
        idx = np.flatnonzero(stocked)
        two = idx[second[idx]]
        d = self.dead
        k = len(d["names"])
        ids = pa.concat_arrays([self.prod_ids.take(pa.array(idx)), self.prod_ids.take(pa.array(two)), d["ids"]])
        wh = np.concatenate([np.full(len(idx), "WH-ZWOLLE"), np.full(len(two), "WH-GENT"), np.full(k, "WH-ZWOLLE")])
        qty = np.concatenate([on_hand[idx] - split[idx], split[two], d["on_hand"]]) * 100
        oo = np.concatenate([on_order[idx], np.zeros(len(two), np.int64), np.zeros(k, np.int64)]) * 100
        oo_null = np.concatenate([order_null[idx], np.ones(len(two), bool), np.zeros(k, bool)])
        uc = np.concatenate([cost[idx], cost[two], np.zeros(k, np.int64)])
        uc_null = np.concatenate([~own_cost[idx], ~own_cost[two], np.ones(k, bool)])
        self.sink.emit("erp_stock_levels", {
            "product_id": ids, "warehouse_id": pa.array(wh),
            "on_hand_qty": qty.astype(np.int64),
            "on_order_qty": _nullable(oo.astype(np.int64), oo_null, pa.int64()),
            "unit_cost": _nullable(uc.astype(np.int64), uc_null, pa.int64()),
        }, 2)

    def make_customers(self):
        rng, N = self.rng, self.N
        ind = rng.choice(7, N, p=IND_W)
        size = _choice_rows(rng, _cum(SIZE_W)[ind])
        # high cost to serve: ~6% of small..large customers
        cand = np.flatnonzero(size >= 1)
        hc = np.zeros(N, bool)
        hc[rng.choice(cand, max(1, int(round(0.06 * N))), replace=False)] = True
        emp = np.floor(np.exp(rng.uniform(np.log(EMP_LO[size]), np.log(EMP_HI[size] + 1)))).astype(np.int64)
        emp = np.clip(emp, EMP_LO[size], EMP_HI[size])
        emp_null = (rng.random(N) < 0.03) & ~hc
        country = rng.choice(3, N, p=COUNTRY_W)
        # lifecycle
        growth = S_GROWTH[ind, size]
        p_new = np.clip(0.28 + 1.5 * growth, 0.1, 0.6)
        new = (rng.random(N) < p_new) & ~hc
        old_created = _uniform_days(rng, np.full(N, _d(date(1998, 1, 1))), np.full(N, self.start - 30))
        new_created = _uniform_days(rng, np.full(N, self.start), np.full(N, self.end))
        created = np.where(new, new_created, old_created)
        u = rng.random(N)
        churn_f = np.where(S_GROWTH[ind, size] < 0, 1.6, 1.0)
        churn = np.full(N, BIG, dtype=np.int64)
        is_churn = (u < 0.12 * churn_f) & ~hc
        is_lapse = (u >= 0.12 * churn_f) & (u < 0.18 * churn_f) & ~hc
        churn = np.where(is_churn, _uniform_days(rng, np.full(N, self.end - 730), np.full(N, self.end - 365)), churn)
        churn = np.where(is_lapse, _uniform_days(rng, np.full(N, self.end - 330), np.full(N, self.end - 150)), churn)
        churn = np.where(churn < created + 150, BIG, churn)
        # gaps: ~15% miss their industry's most popular group
        member_p = np.array([0.5, 0.65, 0.8, 0.92])[size]
        rel = IND_GROUPS[ind] > 0
        member = rel & (rng.random((N, G)) < member_p[:, None])
        top = IND_GROUPS.argmax(axis=1)[ind]
        member[np.arange(N), top] = True
        gap = (rng.random(N) < 0.15) & (size >= 1)
        member[np.arange(N)[gap], top[gap]] = False
        none = ~member.any(axis=1)
        member[none] = rel[none]
        member[none & gap, top[none & gap]] = False
        mix = IND_GROUPS[ind] * member * np.exp(rng.normal(0, 0.4, (N, G)))
        self.c_cum = _cum(mix)
        # behaviour
        vol = np.exp(rng.normal(0, 0.5, N))
        self.c_freq = S_FREQ[ind, size] * vol * np.where(hc, 4.0, 1.0)
        self.c_lpi = np.where(hc, 1.5, S_LPI[ind, size])
        self.c_qty = S_QTY[ind, size] * np.where(hc, 2.0, 1.0)
        self.c_disc = np.clip(S_DISC[ind, size] + rng.normal(0, 2, N) + np.where(hc, 11, 0), 0, 45)
        self.c_growth = growth
        self.c_express = np.where(hc, 0.6, S_EXPRESS[ind, size])
        self.c_cases = np.where(hc, 14.0, S_CASES[ind, size])
        self.c_late = np.where(hc, 55.0, S_LATE[ind, size]) + np.where(rng.random(N) < 0.1, 20, 0)
        self.c_baddebt = np.where(hc, 0.04, S_BADDEBT[ind, size])
        self.c_bonus = np.where(hc, 0.08, np.where(size >= 2, 0.01, 0.0))
        self.c_channel_cum = _cum(np.where(hc[:, None], np.array([0.05, 0, 0.35, 0.5, 0.1]), CHANNEL_W[size]))
        self.c_pref = _choice_rows(rng, self.c_channel_cum)
        self.c_rep = rng.integers(0, len(self.reps), N)
        self.c_terms = np.where(size == 0, rng.choice([14, 30], N), rng.choice([30, 30, 45, 60], N))
        self.c_terms = np.where(hc, 30, self.c_terms)
        self.c_credit = (np.round(np.array([2500, 10000, 25000, 100000])[size] * np.exp(rng.normal(0, .4, N)) / 500) * 500 * 100).astype(np.int64)
        self.c_blocked = (rng.random(N) < 0.005)
        self.c_ind, self.c_size, self.c_hc, self.c_emp, self.c_emp_null = ind, size, hc, emp, emp_null
        self.c_country, self.c_created, self.c_churn, self.c_gap = country, created, churn, gap
        self.c_top = top
        # identity
        legacy = np.arange(N) < max(1, int(0.03 * N))
        num = np.arange(1, N + 1)
        self.c_ids = pc.if_else(pa.array(legacy), _ids("", num, 5), _ids("C", num, 6))
        self.c_coc_num = rng.permutation(np.cumsum(rng.integers(1, max(2, 40_000_000 // N), N)))
        self.c_coc_null = rng.random(N) < 0.05
        self.c_name = self.company_names(ind, country)
        self.c_postcode = self.postcodes(country)

    def company_names(self, ind, country):
        rng, n = self.rng, len(ind)
        sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
        trade = np.array(TRADES)[ind, rng.integers(0, 4, n)]
        legal = np.array([LEGAL[c] for c in COUNTRIES])[country, rng.integers(0, 5, n)]
        base = np.char.add(np.char.add(sur, " "), trade)
        return np.char.rstrip(np.char.add(np.char.add(base, " "), legal))

    def postcodes(self, country):
        rng, n = self.rng, len(country)
        letters = np.array(list("ABCDEFGHJKLMNPRSTVWXZ"))
        nl = np.char.add(np.char.add(rng.integers(1000, 10000, n).astype(str), " "),
                         np.char.add(letters[rng.integers(0, 21, n)], letters[rng.integers(0, 21, n)]))
        be = rng.integers(1000, 10000, n).astype(str)
        de = np.char.zfill(rng.integers(1067, 99999, n).astype(str), 5)
        return np.where(country == 0, nl, np.where(country == 1, be, de))

    def coc_strings(self, num, country, null):
        nl = _ids("", num, 8)
        be = pc.binary_join_element_wise(pa.scalar("0"), _ids("", num % 1_000_000_000, 9), "")
        de = pc.binary_join_element_wise(pa.scalar("HRB "), pc.cast(pa.array(num % 1_000_000), pa.string()), "")
        s = pc.if_else(pa.array(country == 0), nl, pc.if_else(pa.array(country == 1), be, de))
        return pc.if_else(pa.array(null), pa.scalar(None, pa.string()), s)

    def make_accounts(self):
        rng, N, P = self.rng, self.N, self.P
        crm_start = self.start - 365
        has = (rng.random(N) < 0.92) | self.c_hc
        hidden = ~has & ~self.c_coc_null & (rng.random(N) < 0.40)
        if not hidden.any():
            c = np.flatnonzero(~self.c_hc & ~self.c_coc_null)[0]
            has[c], hidden[c] = False, True
        cust_acc = np.flatnonzero(has | hidden)
        # prospects
        p_ind = rng.choice(7, P, p=PROSPECT_IND_W)
        p_size = rng.choice(4, P, p=PROSPECT_SIZE_W)
        p_size = np.where((p_ind == 3) & (p_size == 0), 1, p_size)  # no 28-micro at all
        force = rng.random(P) < 0.02
        p_ind = np.where(force, 5, p_ind)
        p_size = np.where(force, 3, p_size)
        p_country = rng.choice(3, P, p=COUNTRY_W)
        p_emp = np.floor(np.exp(rng.uniform(np.log(EMP_LO[p_size]), np.log(EMP_HI[p_size] + 1)))).astype(np.int64)
        p_emp = np.clip(p_emp, EMP_LO[p_size], EMP_HI[p_size])
        p_emp_null = rng.random(P) < 0.10
        p_created = _uniform_days(rng, np.full(P, crm_start), np.full(P, self.end))
        # arrays over all accounts: customers' accounts first, then prospects
        nc = len(cust_acc)
        A = nc + P
        self.a_cust = np.concatenate([cust_acc, np.full(P, -1)])
        self.a_linked = np.concatenate([has[cust_acc], np.zeros(P, bool)])
        self.a_ind = np.concatenate([self.c_ind[cust_acc], p_ind])
        self.a_size = np.concatenate([self.c_size[cust_acc], p_size])
        self.a_country = np.concatenate([self.c_country[cust_acc], p_country])
        cc = self.c_created[cust_acc]
        acc_created_c = np.where(cc >= crm_start + 200, cc - rng.integers(30, 180, nc),
                                 crm_start + rng.integers(0, 60, nc))
        self.a_created = np.concatenate([np.minimum(acc_created_c, cc), p_created])
        self.a_hc = np.concatenate([self.c_hc[cust_acc], np.zeros(P, bool)])
        self.a_owner = np.concatenate([self.c_rep[cust_acc], rng.integers(0, len(self.reps), P)])
        pros_rate = np.where(rng.random(P) < 0.3, 0.01, 0.15 * np.exp(rng.normal(0, 0.5, P)))
        self.a_pros_rate = np.concatenate([np.zeros(nc), pros_rate])
        self.a_ids = _ids("ACC", np.arange(1, A + 1), 7)
        self.A, self.nc = A, nc
        # firmographic columns
        p_coc = self.coc_strings(50_000_000 + rng.permutation(np.cumsum(rng.integers(1, max(2, 40_000_000 // max(P, 1)), P))),
                                 p_country, rng.random(P) < 0.15)
        c_coc = self.coc_strings(self.c_coc_num[cust_acc], self.c_country[cust_acc], self.c_coc_null[cust_acc])
        self.a_coc = pa.concat_arrays([c_coc, p_coc])
        c_names = self.c_name[cust_acc]
        # hidden matches are typed differently in the CRM: no legal form
        c_names = np.where(hidden[cust_acc],
                           np.char.rstrip(np.char.replace(np.char.replace(c_names, " B.V.", ""), " GmbH", "")), c_names)
        self.a_name = np.concatenate([c_names.astype(object), self.company_names(p_ind, p_country).astype(object)])
        self.a_emp = np.concatenate([self.c_emp[cust_acc], p_emp])
        self.a_emp_null = np.concatenate([self.c_emp_null[cust_acc], p_emp_null])
        self.a_postcode = np.concatenate([self.c_postcode[cust_acc].astype(object), self.postcodes(p_country).astype(object)])
        cust_src = np.array(["existing_customer", "referral", "trade_fair", "website"])[rng.choice(4, nc, p=[.6, .15, .1, .15])]
        pros_src = np.array(["purchased_list", "website", "trade_fair", "campaign", "referral", "cold_call"])[
            rng.choice(6, P, p=[.3, .2, .12, .15, .08, .15])]
        self.a_lead = np.concatenate([cust_src.astype(object), pros_src.astype(object)])
        self.acc_of_cust = np.full(self.N, -1)
        self.acc_of_cust[cust_acc] = np.arange(nc)

    def make_campaigns(self):
        rng = self.rng
        months = list(self.months())
        starts, chans = [], []
        for ws, we in months:
            k = rng.poisson(0.6)
            for _ in range(k):
                starts.append(int(_uniform_days(rng, np.array([ws]), np.array([we]))[0]))
                chans.append(int(rng.integers(0, len(CAMPAIGN_CHANNELS))))
        order = np.argsort(starts, kind="stable")
        self.k_start = np.array(starts, dtype=np.int64)[order]
        self.k_chan = np.array(chans, dtype=np.int64)[order]
        K = len(order)
        lo, hi = CAMPAIGN_COST[self.k_chan, 0], CAMPAIGN_COST[self.k_chan, 1]
        self.k_cost = _cents(rng.uniform(lo, hi) * max(self.scale, 0.1) ** 0.7)
        self.k_inds = rng.random((K, 7)) < 0.5
        self.k_ids = _ids("CMP", np.arange(1, K + 1), 4)
        theme = np.array(CAMPAIGN_THEMES)[rng.integers(0, len(CAMPAIGN_THEMES), K)]
        year = np.array([_date(s).year for s in self.k_start]).astype(str)
        chan = np.array(CAMPAIGN_CHANNELS)[self.k_chan] if K else np.array([], dtype=str)
        self.k_name = np.char.add(np.char.add(np.char.add(theme, " "), year), np.char.add(" (", np.char.add(chan, ")"))) if K else np.array([], dtype=str)
        self.k_chan_name = chan

    # ---- facts ---------------------------------------------------------------------------
    def active(self, ws, we):
        return (self.c_created <= we) & (self.c_churn > ws)

    def month(self, ws: int, we: int):
        rng = self.rng
        ndays = we - ws + 1
        md = _date(ws)
        mlen = calendar.monthrange(md.year, md.month)[1]
        frac = ndays / mlen
        season = {7: 0.75, 8: 0.7, 12: 0.8, 1: 0.9}.get(md.month, 1.05)
        t_years = (ws - self.start) / 365.25
        act = np.flatnonzero(self.active(ws, we))
        rate = self.c_freq[act] * (1 + self.c_growth[act]) ** t_years * season * frac
        n_inv = rng.poisson(rate)
        inv_c = np.repeat(act, n_inv)
        lo = np.maximum(ws, self.c_created[inv_c])
        hi = np.minimum(we, self.c_churn[inv_c] - 1)
        ok = hi >= lo
        inv_c, lo, hi = inv_c[ok], lo[ok], hi[ok]
        inv_day = _weekday(_uniform_days(rng, lo, hi), lo, hi)
        # lines
        n_lines = 1 + rng.poisson(np.maximum(self.c_lpi[inv_c] - 1, 0))
        # credit notes: ~2% of invoices get one, dated later in the month
        is_cn_src = rng.random(len(inv_c)) < 0.02
        src = np.flatnonzero(is_cn_src)
        cn_c = inv_c[src]
        cn_day = _uniform_days(rng, inv_day[src], np.full(len(src), we))
        all_c = np.concatenate([inv_c, cn_c])
        all_day = np.concatenate([inv_day, cn_day])
        all_cn = np.concatenate([np.zeros(len(inv_c), bool), np.ones(len(src), bool)])
        all_lines = np.concatenate([n_lines, np.ones(len(src), np.int64)])
        order = np.lexsort((np.arange(len(all_c)), all_day))
        all_c, all_day, all_cn, all_lines = all_c[order], all_day[order], all_cn[order], all_lines[order]
        inv_pos = np.empty(len(order), np.int64)
        inv_pos[order] = np.arange(len(order))  # original index -> sorted position
        NI = len(all_c)
        year = md.year
        seq = self.next_ids(f"inv{year}", NI)
        inv_ids = pc.binary_join_element_wise(pa.scalar(str(year)), _ids("", seq, 6), "")
        # line rows
        L = int(all_lines.sum())
        l_inv = np.repeat(np.arange(NI), all_lines)
        first = np.concatenate([[0], np.cumsum(all_lines)[:-1]]).astype(np.int64)
        l_no = np.arange(L) - np.repeat(first, all_lines) + 1
        l_c = all_c[l_inv]
        g = _choice_rows(rng, self.c_cum[l_c])
        pidx = self.group_start[g] + np.minimum((self.group_count[g] * rng.random(L) ** 2).astype(np.int64),
                                                 self.group_count[g] - 1)
        q = GROUP_QTY[g] * self.c_qty[l_c] * np.exp(rng.normal(0, 0.5, L))
        meter = self.prod_by_meter[pidx]
        q = np.where(meter, q * 6, q)
        q100 = np.where(meter, np.maximum(np.round(q * 2), 1) * 50, np.maximum(np.round(q), 1) * 100).astype(np.int64)
        disc100 = (np.round(np.clip(self.c_disc[l_c] + rng.normal(0, 1.5, L), 0, 60) * 2) * 50).astype(np.int64)
        disc100 = np.where(rng.random(L) < 0.25, 0, disc100)
        # credit note lines copy the first line of their source invoice, negative and partial
        cn_line = all_cn[l_inv]
        src_sorted = inv_pos[src]  # sorted positions of source invoices
        src_first_line = first[src_sorted]
        cn_rows = np.flatnonzero(cn_line)  # in order of sorted cn invoices
        cn_sorted_pos = inv_pos[len(inv_c) + np.arange(len(src))]
        # map each cn invoice (sorted pos) to its source first line
        src_line_for_cn = np.empty(NI, np.int64)
        src_line_for_cn[cn_sorted_pos] = src_first_line
        srcl = src_line_for_cn[l_inv[cn_rows]]
        pidx[cn_rows] = pidx[srcl]
        disc100[cn_rows] = disc100[srcl]
        part = np.maximum(np.round(q100[srcl] * rng.uniform(0.2, 1.0, len(cn_rows)) / 100), 1) * 100
        q100[cn_rows] = -np.minimum(part, np.maximum(q100[srcl], 100)).astype(np.int64)
        price = self.prod_list[pidx]
        net = self.net(q100, price, disc100)
        cost = self.costamt(q100, self.prod_cost[pidx])
        recent = all_day[l_inv] > self.end - 365  # the stock snapshot follows the last year's demand
        np.add.at(self.prod_recent_q100, pidx[recent], q100[recent])
        self.sink.emit("erp_sales_invoice_lines", {
            "invoice_id": inv_ids.take(pa.array(l_inv)), "line_no": l_no, "product_id": self.prod_ids.take(pa.array(pidx)),
            "quantity": q100, "unit_price": price, "discount_pct": disc100, "net_amount": net, "cost_amount": cost,
        }, self.deliv_of(all_day[l_inv]))
        self.collect_line_candidates(all_day[l_inv], all_cn[l_inv], inv_ids, l_inv, l_no, pidx, q100, price, disc100)
        # invoices
        ch = np.where(rng.random(NI) < 0.8, self.c_pref[all_c], _choice_rows(rng, self.c_channel_cum[all_c]))
        rep = self.reps[self.c_rep[all_c]]
        self.sink.emit("erp_sales_invoices", {
            "invoice_id": inv_ids, "customer_id": self.c_ids.take(pa.array(all_c)),
            "invoice_date": _date32(all_day), "due_date": _date32(all_day + np.where(all_cn, 0, self.c_terms[all_c])),
            "currency": pa.array(["EUR"] * NI, pa.string()),
            "order_channel": pa.array(np.array(["web", "edi", "email", "phone", "field"])[ch]),
            "is_credit_note": pa.array(all_cn), "sales_rep": _nullable(rep, ch == 0, pa.string()),
        }, self.deliv_of(all_day))
        inv_net = np.bincount(l_inv, weights=net, minlength=NI).astype(np.int64)
        rev_c = np.bincount(all_c, weights=inv_net, minlength=self.N)
        self.year_revenue += rev_c
        # shipments (not for credit notes), some split in two
        sh_inv = np.flatnonzero(~all_cn)
        two = rng.random(len(sh_inv)) < 0.08
        sh_inv = np.concatenate([sh_inv, sh_inv[two]])
        second = np.concatenate([np.zeros(len(sh_inv) - two.sum(), bool), np.ones(two.sum(), bool)])
        sh_c = all_c[sh_inv]
        sh_day = np.where(second, np.minimum(all_day[sh_inv] + rng.integers(1, 6, len(sh_inv)), we), all_day[sh_inv])
        so = np.lexsort((sh_inv, sh_day))
        sh_inv, sh_c, sh_day, second = sh_inv[so], sh_c[so], sh_day[so], second[so]
        S = len(sh_inv)
        pk = 1 + all_lines[sh_inv] // 3 + rng.poisson(0.3, S)
        pk = np.where(second, 1, pk)
        express = rng.random(S) < self.c_express[sh_c]
        freight = 695 + 250 * pk + np.where(express, 1500, 0)
        freight = (freight * np.where(self.c_country[sh_c] == 0, 1.0, 1.6)).astype(np.int64)
        fnull = (self.c_country[sh_c] == 2) | (rng.random(S) < 0.15)
        self.sink.emit("erp_shipments", {
            "shipment_id": _ids("ZD", self.next_ids("ship", S), 8), "invoice_id": inv_ids.take(pa.array(sh_inv)),
            "customer_id": self.c_ids.take(pa.array(sh_c)), "ship_date": _date32(sh_day), "package_count": pk,
            "is_express": pa.array(express), "freight_cost": _nullable(freight, fnull, pa.int64()),
        }, self.deliv_of(sh_day))
        # payments
        pay_inv = np.flatnonzero(~all_cn & (inv_net > 0))
        pc_ = all_c[pay_inv]
        bad = rng.random(len(pay_inv)) < self.c_baddebt[pc_]
        delay = self.c_terms[pc_] + np.round(self.c_late[pc_] + rng.normal(0, 6, len(pay_inv)))
        early = rng.random(len(pay_inv)) < 0.2
        delay = np.where(early, np.round(self.c_terms[pc_] * rng.uniform(0.3, 1.0, len(pay_inv))), delay)
        delay = np.maximum(delay, 1).astype(np.int64)
        pday = all_day[pay_inv] + delay
        keep = ~bad & (pday <= self.end)
        self.sink.emit("erp_payments", {
            "payment_id": _ids("BET", self.next_ids("pay", int(keep.sum())), 8),
            "invoice_id": inv_ids.take(pa.array(pay_inv[keep])), "payment_date": _date32(pday[keep]),
            "amount": inv_net[pay_inv[keep]],
        }, self.deliv_of(pday[keep]))
        late_n = int(((delay > self.c_terms[pc_]) & keep).sum())
        # bad debt write-offs (CC ledger with customer_id)
        wo_day = all_day[pay_inv[bad]] + 180 + rng.integers(0, 60, int(bad.sum()))
        wk = wo_day <= self.end
        wo_day = np.array([_d(_month_end(_date(x))) for x in wo_day[wk]], dtype=np.int64)
        wo_day = np.minimum(wo_day, self.end)
        wo_c = pc_[bad][wk]
        wo_amt = inv_net[pay_inv[bad][wk]]
        self.gl_rows(wo_day, "4790", "Afboeking oninbare debiteuren", "CC", wo_amt, wo_c,
                     pc.binary_join_element_wise(pa.scalar("Afboeking factuur "), inv_ids.take(pa.array(pay_inv[bad][wk])), ""))
        # service cases, activities, opportunities, touches
        minutes = self.service_cases(ws, we, frac)
        act_min, visits = self.activities(ws, we, frac)
        touches = self.touches(ws, we)
        # ledger for complete months
        me = _d(_month_end(md))
        if me <= self.end:
            self.ledger(me, md, L, int(((ch >= 2) & True)[l_inv].sum()), rev_c, l_inv, ch, all_c, inv_net,
                        freight, fnull, minutes, visits, late_n, touches)
        if md.month == 12 and me <= self.end:
            self.bonuses(me, md.year)

    @staticmethod
    def net(q100, price_c, disc100):
        num = q100 * price_c * (10000 - disc100)
        return (np.sign(num) * ((np.abs(num) + 500_000) // 1_000_000)).astype(np.int64)

    @staticmethod
    def costamt(q100, cost_c):
        num = q100 * cost_c
        return (np.sign(num) * ((np.abs(num) + 50) // 100)).astype(np.int64)

    def collect_line_candidates(self, day, cn, inv_ids, l_inv, l_no, pidx, q100, price, disc100):
        d0, d1, d2 = self.deliv_days
        for key, lo, hi in (("lines_d1", d0 - 20, d0), ("lines_d3", d1 + 1, d2)):
            m = np.flatnonzero((day >= lo) & (day <= hi) & ~cn)
            if len(m) == 0:
                continue
            m = m[self.rng.random(len(m)) < min(1.0, 400 / len(m))]
            self.carry[key].append(pa.table({
                "invoice_id": inv_ids.take(pa.array(l_inv[m])), "line_no": l_no[m], "product_id": self.prod_ids.take(pa.array(pidx[m])),
                "quantity": q100[m], "unit_price": price[m], "discount_pct": disc100[m],
            }))

    def gl_rows(self, day, account, name, cc, amount, cust, desc):
        n = len(amount)
        if n == 0:
            return
        day = np.broadcast_to(np.asarray(day, dtype=np.int64), (n,))
        self.sink.emit("erp_gl_entries", {
            "entry_id": _ids("GL", self.next_ids("gl", n), 9), "posting_date": _date32(day),
            "gl_account": pa.array([account] * n, pa.string()), "gl_account_name": pa.array([name] * n, pa.string()),
            "cost_center": pa.array([cc] * n, pa.string()), "amount": np.asarray(amount, dtype=np.int64),
            "customer_id": self.c_ids.take(pa.array(cust)) if cust is not None else pa.nulls(n, pa.string()),
            "description": desc if isinstance(desc, pa.Array) else pa.array(list(desc) if not isinstance(desc, str) else [desc] * n, pa.string()),
        }, self.deliv_of(day))

    def ledger(self, me, md, n_lines, manual_lines, rev_c, l_inv, ch, all_c, inv_net, freight, fnull,
               minutes, visits, late_n, touches):
        rng, s = self.rng, max(self.scale, 0.05)
        ym = f"{md.year}-{md.month:02d}"
        revenue = float(rev_c.sum()) / 100
        def eur(x):
            return int(round(x * 100))
        noise = lambda: float(np.exp(rng.normal(0, 0.04)))
        pools = [
            ("CS", "4000", "Lonen en salarissen", eur((minutes * 2.0 + 4000 * s) * noise()), f"Salarissen klantenservice {ym}"),
            ("CS", "4700", "Kantoorkosten", eur(400 * s * noise()), f"Telefonie en ticketsysteem {ym}"),
            ("LOG", "4400", "Vervoerskosten", eur(freight[~fnull].sum() / 100), f"Pakketdienst verzamelfactuur {ym}"),
            ("LOG", "4400", "Vervoerskosten", eur(freight[fnull].sum() / 100), f"Expediteur verzamelfactuur {ym}"),
            ("LOG", "4000", "Lonen en salarissen", eur((n_lines * 1.6 + 6000 * s) * noise()), f"Salarissen magazijn {ym}"),
            ("LOG", "4300", "Huisvestingskosten", eur(9000 * s), f"Huur magazijn {ym}"),
            ("OE", "4000", "Lonen en salarissen", eur((manual_lines * 3.0 + (n_lines - manual_lines) * 0.4 + 4000 * s) * noise()), f"Salarissen orderverwerking {ym}"),
            ("SALES", "4000", "Lonen en salarissen", eur(len(self.reps) * 6800 * noise()), f"Salarissen accountmanagers {ym}"),
            ("SALES", "4800", "Autokosten", eur((len(self.reps) * 850 + visits * 35) * noise()), f"Lease en reiskosten buitendienst {ym}"),
            ("MKT", "4600", "Marketing- en campagnekosten", eur(self.k_cost[(self.k_start >= _d(md)) & (self.k_start <= me)].sum() / 100), f"Campagnes {ym}"),
            ("MKT", "4000", "Lonen en salarissen", eur(3500 * s * noise()), f"Salarissen marketing {ym}"),
            ("CC", "4000", "Lonen en salarissen", eur((2200 * s + late_n * 12) * noise()), f"Salarissen credit control {ym}"),
            ("CC", "4500", "Verkoopkosten", eur(150 * s + late_n * 2.5), f"Incassobureau en kredietinformatie {ym}"),
            ("GEN", "4300", "Huisvestingskosten", eur(7000 * s), f"Huur kantoor {ym}"),
            ("GEN", "4000", "Lonen en salarissen", eur((0.025 * revenue + 6000 * s) * noise()), f"Directie en administratie {ym}"),
            ("GEN", "4900", "Algemene kosten", eur((0.008 * revenue) * noise()), f"Verzekeringen en advies {ym}"),
            ("IT", "4750", "Automatiseringskosten", eur((0.008 * revenue + 3000 * s) * noise()), f"Licenties ERP/CRM en hosting {ym}"),
        ]
        pools = [p for p in pools if p[3] > 0]
        n = len(pools)
        self.sink.emit("erp_gl_entries", {
            "entry_id": _ids("GL", self.next_ids("gl", n), 9), "posting_date": _date32(np.full(n, me)),
            "gl_account": pa.array([p[1] for p in pools]), "gl_account_name": pa.array([p[2] for p in pools]),
            "cost_center": pa.array([p[0] for p in pools]), "amount": np.array([p[3] for p in pools], dtype=np.int64),
            "customer_id": pa.nulls(n, pa.string()), "description": pa.array([p[4] for p in pools]),
        }, self.deliv_of(np.full(n, me)))
        # commission: 2.5% of the month's revenue on invoices with a sales rep, per customer
        with_rep = ch != 0
        comm = np.bincount(all_c[with_rep], weights=inv_net[with_rep], minlength=self.N) * 0.025
        cc = np.flatnonzero(comm >= 1)
        self.gl_rows(me, "4510", "Provisie verkoop", "COMM", np.round(comm[cc]).astype(np.int64), cc,
                     pc.binary_join_element_wise(pa.scalar("Provisie"), pa.array(self.reps[self.c_rep[cc]]), pa.scalar(ym), " "))

    def bonuses(self, me, year):
        b = self.year_revenue * self.c_bonus
        b = np.where(self.year_revenue >= 2_500_000, b, np.where(self.c_hc, b, 0))
        cc = np.flatnonzero(b >= 100)
        self.gl_rows(me, "4520", "Klantbonussen", "COMM", np.round(b[cc]).astype(np.int64), cc,
                     f"Jaarbonus {year}")
        self.year_revenue[:] = 0

    def service_cases(self, ws, we, frac):
        rng = self.rng
        act = np.flatnonzero(self.active(ws, we) & (self.acc_of_cust >= 0))
        n = rng.poisson(self.c_cases[act] / 12 * frac)
        cc = np.repeat(act, n)
        K = len(cc)
        if K == 0:
            return 0.0
        lo = np.maximum(ws, self.c_created[cc])
        hi = np.minimum(we, self.c_churn[cc] - 1)
        ok = hi >= lo
        cc, lo, hi = cc[ok], lo[ok], hi[ok]
        K = len(cc)
        day = _weekday(_uniform_days(rng, lo, hi), lo, hi)
        order = np.argsort(day, kind="stable")
        cc, day = cc[order], day[order]
        hc = self.c_hc[cc]
        cat = np.where(hc, _choice_rows(rng, np.broadcast_to(_cum(CASE_P_HC), (K, 5))),
                       _choice_rows(rng, np.broadcast_to(_cum(CASE_P), (K, 5))))
        mins = np.maximum(2, np.round(CASE_MIN[cat] * np.exp(rng.normal(0, 0.5, K)) * np.where(hc, 1.8, 1.0))).astype(np.int64)
        opened = day * 86400 + rng.integers(8 * 3600, 17 * 3600, K)
        closed = opened + (np.exp(rng.normal(np.log(20 * 3600), 1.2, K))).astype(np.int64)
        closed_day = closed // 86400
        ids = _ids("CASE", self.next_ids("case", K), 8)
        acc = self.a_ids.take(pa.array(self.acc_of_cust[cc]))
        cats = pa.array(np.array(["question", "complaint", "return", "invoice_dispute", "delivery_issue"])[cat])
        first = self.deliv_of(day)
        ev = self.deliv_of(closed_day)
        for k in range(3):
            m = (first == k) | ((first < k) & (ev == k))
            if not m.any():
                continue
            idx = np.flatnonzero(m)
            open_ = closed_day[idx] > self.deliv_days[k]
            self.sink.emit("crm_service_cases", {
                "case_id": ids.take(pa.array(idx)), "account_id": acc.take(pa.array(idx)), "opened_at": _ts(opened[idx]),
                "closed_at": _ts(closed[idx], open_), "category": cats.take(pa.array(idx)), "handling_minutes": mins[idx],
            }, k)
        return float(mins.sum())

    def activities(self, ws, we, frac):
        rng = self.rng
        a_c = self.a_cust
        isc = a_c >= 0
        cc = np.where(isc, a_c, 0)
        cust_active = isc & (self.c_created[cc] <= we) & (self.c_churn[cc] > ws)
        pre = isc & (self.c_created[cc] > we)
        ex = isc & (self.c_churn[cc] <= ws)
        base = np.array([0.25, 0.45, 0.8, 1.4])[self.a_size] * np.where(self.a_hc, 2.5, 1.0)
        rate = np.where(cust_active, base, np.where(pre, 1.0, np.where(ex, 0.06, self.a_pros_rate)))
        rate = np.where(self.a_created <= we, rate, 0.0) * frac
        n = rng.poisson(rate)
        a = np.repeat(np.arange(self.A), n)
        K = len(a)
        if K == 0:
            return 0.0, 0
        lo = np.maximum(ws, self.a_created[a])
        day = _weekday(_uniform_days(rng, lo, np.full(K, we)), lo, np.full(K, we))
        order = np.lexsort((a, day))
        a, day = a[order], day[order]
        cust = cust_active[a]
        typ = np.where(cust, _choice_rows(rng, np.broadcast_to(_cum([.35, .25, .12, .20, .08]), (K, 5))),
                       _choice_rows(rng, np.broadcast_to(_cum([.55, .12, .08, .20, .05]), (K, 5))))
        dur = rng.integers(ACT_MIN_LO[typ], ACT_MIN_HI[typ] + 1)
        conv = S_CONV[self.a_ind[a], self.a_size[a]]
        p_pros = np.stack([np.full(K, .40), np.full(K, .38), .14 * conv, .08 * conv], axis=1)
        p_cust = np.broadcast_to(np.array([.15, .50, .15, .20]), (K, 4))
        out = _choice_rows(rng, _cum(np.where(cust[:, None] | pre[a][:, None], p_cust, p_pros)))
        out = np.where((typ == 1) | (typ == 2) | (typ == 4), np.maximum(out, 1), out)
        out_null = (typ == 3) & (rng.random(K) < 0.3)
        ids = _ids("ACT", self.next_ids("act", K), 9)
        self.sink.emit("crm_activities", {
            "activity_id": ids, "account_id": self.a_ids.take(pa.array(a)),
            "activity_type": pa.array(np.array(["call", "visit", "meeting", "email", "demo"])[typ]),
            "activity_date": _date32(day), "duration_minutes": dur.astype(np.int64),
            "owner": pa.array(self.reps[self.a_owner[a]]),
            "outcome": _nullable(np.array(["no_contact", "contact", "appointment", "quote_requested"])[out], out_null, pa.string()),
        }, self.deliv_of(day))
        # opportunities from quote requests (pure prospects never win: a win makes them a customer)
        q = np.flatnonzero((out == 3) & ~out_null & (rng.random(K) < 0.85) & ~pre[a])
        if len(q):
            qa = a[q]
            hit = S_HIT[self.a_ind[qa], self.a_size[qa]]
            p_win = np.where(self.a_cust[qa] >= 0, np.minimum(0.9, hit * 1.3), 0.0)
            self.opportunities(qa, day[q], p_win, cust_active[qa])
        return float(dur.sum()), int(((typ == 1) | (typ == 2) | (typ == 4)).sum())

    def opportunities(self, acc, created, p_win, is_cust, force=None):
        rng = self.rng
        K = len(acc)
        quote = created + rng.integers(1, 11, K)
        close = quote + rng.integers(7, 76, K)
        won = rng.random(K) < p_win if force is None else force
        reason = _choice_rows(rng, np.broadcast_to(_cum([.30, .35, .20, .10, .05]), (K, 5)))
        comp_p = np.tile([.25, .25, .20, .20, .10], (K, 1))
        comp_p[self.a_ind[acc] == 1] = [.65, .12, .10, .08, .05]
        comp_p[self.a_ind[acc] == 3] = [.10, .15, .10, .55, .10]
        comp = _choice_rows(rng, _cum(comp_p))
        has_comp = (reason == 1) | ((reason == 0) & (rng.random(K) < 0.5))
        size = self.a_size[acc]
        amount = _cents(np.round(np.array([1500, 4000, 9000, 20000])[size] * np.exp(rng.normal(0, 0.7, K)), -1))
        ac = self.a_cust[acc]
        g = np.where(ac >= 0, _choice_rows(rng, self.c_cum[np.maximum(ac, 0)]),
                     _choice_rows(rng, _cum(IND_GROUPS[self.a_ind[acc]])))
        ids = _ids("OPP", self.next_ids("opp", K), 8)
        opp = {"ids": ids, "acc": acc, "created": created, "quote": quote, "close": close, "won": won,
               "reason": reason, "comp": comp, "has_comp": has_comp, "amount": amount, "group": g}
        self.emit_opps(opp)
        still_open = np.flatnonzero((close > self.end) & (created <= self.end))
        if len(still_open):
            self.carry["opps_open"].append({k: (v.take(pa.array(still_open)) if isinstance(v, pa.Array) else v[still_open])
                                            for k, v in opp.items()})

    def emit_opps(self, o, only: int | None = None, close_override=None):
        first = self.deliv_of(o["created"])
        evq, evc = self.deliv_of(o["quote"]), self.deliv_of(o["close"])
        ks = range(3) if only is None else [only]
        for k in ks:
            if only is None:
                m = (first == k) | ((first < k) & ((evq == k) | (evc == k)))
            else:
                m = np.ones(len(first), bool)
            if not m.any():
                continue
            idx = np.flatnonzero(m)
            asof = self.deliv_days[min(k, 2)]
            quote, close = o["quote"][idx], o["close"][idx]
            q_null = quote > asof
            c_open = close > asof
            won = o["won"][idx]
            stage = np.where(c_open, "open", np.where(won, "won", "lost"))
            lost = ~c_open & ~won
            reason = np.array(["price", "competitor", "no_decision", "timing", "other"])[o["reason"][idx]]
            comp = np.array(COMPETITORS)[o["comp"][idx]]
            self.sink.emit("crm_opportunities", {
                "opportunity_id": o["ids"].take(pa.array(idx)), "account_id": self.a_ids.take(pa.array(o["acc"][idx])),
                "created_date": _date32(o["created"][idx]), "quote_date": _date32(quote, q_null),
                "close_date": _date32(close, c_open), "stage": pa.array(stage), "amount": o["amount"][idx],
                "product_group": pa.array(np.array(GROUPS)[o["group"][idx]]),
                "lost_reason": _nullable(reason, ~lost, pa.string()),
                "competitor": _nullable(comp, ~(lost & o["has_comp"][idx]), pa.string()),
            }, k)

    def acquisition_opportunities(self):
        """Customers acquired during the history: a won opportunity just before their start."""
        new = np.flatnonzero((self.c_created >= self.start) & (self.acc_of_cust >= 0))
        if not len(new):
            return
        rng = self.rng
        acc = self.acc_of_cust[new]
        close = self.c_created[new] - rng.integers(1, 10, len(new))
        created = np.maximum(close - rng.integers(20, 80, len(new)), self.a_created[acc])
        o = np.argsort(created, kind="stable")
        acc, created, close = acc[o], created[o], close[o]
        K = len(acc)
        ids = _ids("OPP", self.next_ids("opp", K), 8)
        quote = np.minimum(created + rng.integers(1, 11, K), close)
        size = self.a_size[acc]
        opp = {"ids": ids, "acc": acc, "created": created, "quote": quote, "close": np.maximum(close, quote),
               "won": np.ones(K, bool), "reason": np.zeros(K, np.int64), "comp": np.zeros(K, np.int64),
               "has_comp": np.zeros(K, bool),
               "amount": _cents(np.round(np.array([1500, 4000, 9000, 20000])[size] * np.exp(rng.normal(0, 0.7, K)), -1)),
               "group": _choice_rows(rng, self.c_cum[self.a_cust[acc]])}
        self.emit_opps(opp)

    def touches(self, ws, we):
        rng = self.rng
        ks = np.flatnonzero((self.k_start >= ws) & (self.k_start <= we))
        total = 0
        for k in ks:
            st = self.k_start[k]
            elig = (self.a_created <= st) & self.k_inds[k][self.a_ind]
            a = np.flatnonzero(elig & (rng.random(self.A) < CAMPAIGN_REACH[self.k_chan[k]]))
            K = len(a)
            if not K:
                continue
            day = np.minimum(st + rng.integers(0, 15, K), self.end)
            o = np.lexsort((a, day))
            a, day = a[o], day[o]
            conv = S_CONV[self.a_ind[a], self.a_size[a]]
            p = np.stack([np.full(K, .55), np.full(K, .25), np.full(K, .12), np.full(K, .05), .03 * conv ** 2], axis=1)
            resp = _choice_rows(rng, _cum(p))
            self.sink.emit("crm_campaign_touches", {
                "touch_id": _ids("TCH", self.next_ids("touch", K), 9), "campaign_id": pa.array([self.k_ids[k].as_py()] * K, pa.string()),
                "account_id": self.a_ids.take(pa.array(a)), "touch_date": _date32(day),
                "response": pa.array(np.array(["none", "opened", "clicked", "replied", "inbound_request"])[resp]),
            }, self.deliv_of(day))
            total += K
        return total

    # ---- re-sends and snapshots ------------------------------------------------------------
    def resends(self):
        rng = self.rng
        for key, k, n in (("lines_d1", 1, 12), ("lines_d3", 3, 5)):
            if not self.carry[key]:
                continue
            t = pa.concat_tables(self.carry[key])
            pick = np.sort(rng.choice(t.num_rows, min(n, t.num_rows), replace=False))
            t = t.take(pa.array(pick))
            q100 = t.column("quantity").to_numpy()
            price = t.column("unit_price").to_numpy()
            disc = t.column("discount_pct").to_numpy()
            disc = np.where(disc >= 250, disc - 250, disc + 500)  # corrected discount
            pidx = np.searchsorted(np.asarray(self.prod_ids.to_pylist()), t.column("product_id").to_numpy(zero_copy_only=False))
            self.sink.emit("erp_sales_invoice_lines", {
                "invoice_id": t.column("invoice_id"), "line_no": t.column("line_no"), "product_id": t.column("product_id"),
                "quantity": q100, "unit_price": price, "discount_pct": disc,
                "net_amount": self.net(q100, price, disc), "cost_amount": self.costamt(q100, self.prod_cost[pidx]),
            }, k)
        # the afternoon run: a few open opportunities closed on the last day
        if self.carry["opps_open"]:
            parts = self.carry["opps_open"]
            o = {k: (pa.concat_arrays([p[k] for p in parts]) if isinstance(parts[0][k], pa.Array)
                     else np.concatenate([p[k] for p in parts])) for k in parts[0]}
            n = len(o["created"])
            pick = np.sort(rng.choice(n, min(4, n), replace=False))
            o = {k: (v.take(pa.array(pick)) if isinstance(v, pa.Array) else v[pick]) for k, v in o.items()}
            o["quote"] = np.minimum(o["quote"], self.end)
            o["close"] = np.full(len(pick), self.end)
            o["won"] = (np.arange(len(pick)) % 2 == 0) & (self.a_cust[o["acc"]] >= 0)
            self.emit_opps(o, only=3)

    def snapshots(self):
        rng, N = self.rng, self.N
        # archived in the last snapshot: two customers that churned long ago
        old = np.flatnonzero(self.c_churn <= self.end - 500)
        archived = rng.choice(old, min(2, len(old)), replace=False) if len(old) else np.array([], np.int64)
        changed = rng.choice(N, max(3, N // 300), replace=False)
        late = np.flatnonzero(self.c_late >= 20)
        blocked_now = rng.choice(late, min(len(late), max(2, N // 500)), replace=False) if len(late) else np.array([], np.int64)
        for k in range(3):
            day = self.deliv_days[k]
            keep = self.c_created <= day
            rep = self.c_rep.copy()
            credit = self.c_credit.copy()
            blocked = self.c_blocked.copy()
            if k == 2:
                keep[archived] = False
                rep[changed] = (rep[changed] + 1) % len(self.reps)
                credit[changed] = credit[changed] + 500_000
                blocked[blocked_now] = True
            idx = np.flatnonzero(keep)
            ind = self.c_ind[idx]
            self.sink.emit("erp_customers", {
                "customer_id": self.c_ids.take(pa.array(idx)), "customer_name": pa.array(self.c_name[idx]),
                "coc_number": self.coc_strings(self.c_coc_num[idx], self.c_country[idx], self.c_coc_null[idx]),
                "industry_code": pa.array(np.array(INDUSTRIES)[ind]),
                "employee_count": _nullable(self.c_emp[idx], self.c_emp_null[idx], pa.int64()),
                "country": pa.array(np.array(COUNTRIES)[self.c_country[idx]]), "postcode": pa.array(self.c_postcode[idx]),
                "created_date": _date32(self.c_created[idx]), "account_manager": pa.array(self.reps[rep[idx]]),
                "payment_terms_days": self.c_terms[idx].astype(np.int64), "credit_limit": credit[idx],
                "is_blocked": pa.array(blocked[idx]),
            }, k)
        # products: initial and last delivery; the last one has 3 new and 2 deactivated products
        n = self.prod_n
        for k, extra in ((0, 0), (2, 3)):
            active = self.prod_active.copy()
            if k == 2:
                active[rng.choice(np.flatnonzero(active), 2, replace=False)] = False
            ids = self.prod_ids
            names, groups = self.prod_name, self.prod_group
            cost, lst = self.prod_cost, self.prod_list
            lead, lead_null = self.prod_lead, self.prod_lead_null
            if extra:
                lead = np.concatenate([lead, np.full(extra, 56)])  # new heat-pump sets: long lead time
                lead_null = np.concatenate([lead_null, np.zeros(extra, bool)])
                ids = pa.concat_arrays([ids, _ids("P", np.arange(n + 1, n + extra + 1), 5)])
                names = np.concatenate([names, np.array([f"Warmtepompset Vdb Pro {9000 + i} (nieuw)" for i in range(extra)])])
                groups = np.concatenate([groups, np.full(extra, 3)])
                cost = np.concatenate([cost, np.array([185000, 210000, 240000])])
                lst = np.concatenate([lst, np.array([289000, 329000, 369000])])
                active = np.concatenate([active, np.ones(extra, bool)])
            # discontinued products still on the shelf (in both snapshots): the demo's dead stock
            d = self.dead
            ids = pa.concat_arrays([ids, d["ids"]])
            names = np.concatenate([names, d["names"]])
            groups = np.concatenate([groups, d["groups"]])
            cost = np.concatenate([cost, d["cost"]])
            lst = np.concatenate([lst, d["list"]])
            active = np.concatenate([active, np.zeros(len(d["names"]), bool)])
            lead = np.concatenate([lead, d["lead"]])
            lead_null = np.concatenate([lead_null, np.zeros(len(d["names"]), bool)])
            self.sink.emit("erp_products", {
                "product_id": ids, "product_name": pa.array(names), "product_group": pa.array(np.array(GROUPS)[groups]),
                "unit_cost": cost, "list_price": lst, "is_active": pa.array(active),
                "lead_time_days": _nullable(lead.astype(np.int64), lead_null, pa.int64()),
            }, k)
        # CRM accounts: initial and last delivery
        for k in (0, 2):
            idx = np.flatnonzero(self.a_created <= self.deliv_days[k])
            erp = pc.if_else(pa.array(self.a_linked[idx]), self.c_ids.take(pa.array(np.maximum(self.a_cust[idx], 0))),
                             pa.scalar(None, pa.string()))
            self.sink.emit("crm_accounts", {
                "account_id": self.a_ids.take(pa.array(idx)), "erp_customer_id": erp,
                "account_name": pa.array(self.a_name[idx], pa.string()), "coc_number": self.a_coc.take(pa.array(idx)),
                "industry_code": pa.array(np.array(INDUSTRIES)[self.a_ind[idx]]),
                "employee_count": _nullable(self.a_emp[idx], self.a_emp_null[idx], pa.int64()),
                "country": pa.array(np.array(COUNTRIES)[self.a_country[idx]]),
                "postcode": pa.array(self.a_postcode[idx], pa.string()), "lead_source": pa.array(self.a_lead[idx], pa.string()),
                "owner": pa.array(self.reps[self.a_owner[idx]]), "created_date": _date32(self.a_created[idx]),
            }, k)
        # campaigns
        for k in (0, 2):
            idx = np.flatnonzero(self.k_start <= self.deliv_days[k])
            self.sink.emit("crm_campaigns", {
                "campaign_id": self.k_ids.take(pa.array(idx)), "campaign_name": pa.array(self.k_name[idx], pa.string()),
                "channel": pa.array(self.k_chan_name[idx], pa.string()), "start_date": _date32(self.k_start[idx]),
                "total_cost": self.k_cost[idx],
            }, k)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kansrijk.demo", description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, type=Path, help="landing folder to (re)create")
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--prospects", type=int, default=None, help="default: 1.5 x customers")
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(a.out, a.customers, a.prospects, a.years, a.seed, a.end_date)
    for t, n in counts.items():
        print(f"{t:28s} {n:>12,d}")
    print(f"written to {a.out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
