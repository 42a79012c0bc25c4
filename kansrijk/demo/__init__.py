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

Modules
-------
This module holds :func:`generate`, :func:`planted_churn`, ``main`` and ``_Demo``, one run: its
settings, random streams and the order of its parts (``run``). The parts are mixins of ``_Demo``:
``companies`` (account managers, ERP customers, CRM accounts and prospects), ``products`` (products
and stock), ``invoices`` (the monthly invoices, lines, shipments, payments, write-offs), ``ledger``,
``crm`` (campaigns, touches, service cases, activities, opportunities) and ``deliveries`` (re-sends
and snapshots). ``reference`` holds the company's reference data, ``writing`` the file writers and
manifests, ``arrays`` the numpy/arrow helpers.
"""

from __future__ import annotations

import argparse
import calendar
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from kansrijk.demo.arrays import _d, _date
from kansrijk.demo.companies import CompaniesPart
from kansrijk.demo.crm import CrmPart
from kansrijk.demo.deliveries import DeliveriesPart
from kansrijk.demo.invoices import InvoicesPart
from kansrijk.demo.ledger import LedgerPart
from kansrijk.demo.products import ProductsPart
from kansrijk.demo.reference import BIG
from kansrijk.demo.writing import Sink, _date32, _dec_string

# The public names; Sink and the arrow conversions are also used by kansrijk.cdnow.
__all__ = ["Sink", "_date32", "_dec_string", "generate", "main", "planted_churn"]


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


class _Demo(CompaniesPart, ProductsPart, InvoicesPart, LedgerPart, CrmPart, DeliveriesPart):
    """One generator run: its settings, random streams, id counters and the order of its parts (run)."""

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

