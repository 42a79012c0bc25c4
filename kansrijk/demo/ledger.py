"""The general ledger: the month's lines per account and cost center (revenue, cost of goods, freight,
the cost pools, commission) and the yearly customer bonuses."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kansrijk.demo.arrays import _d, _ids
from kansrijk.demo.writing import _date32


class LedgerPart:
    """The ledger part of the generator (a mixin of kansrijk.demo._Demo)."""

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
