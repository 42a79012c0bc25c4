"""The monthly facts: invoices and their lines, shipments, payments and bad-debt write-offs of each
month (which then draws the month's CRM facts and ledger)."""

from __future__ import annotations

import calendar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kansrijk.demo.arrays import _choice_rows, _d, _date, _ids, _month_end, _nullable, _uniform_days, _weekday
from kansrijk.demo.reference import GROUP_QTY
from kansrijk.demo.writing import _date32


class InvoicesPart:
    """The invoices part of the generator (a mixin of kansrijk.demo._Demo)."""

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
