"""The CRM facts: campaigns and their touches, service cases, sales activities, and opportunities
(of customers and of acquisition)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kansrijk.demo.arrays import _cents, _choice_rows, _cum, _date, _ids, _nullable, _uniform_days, _weekday
from kansrijk.demo.reference import (
    ACT_MIN_HI,
    ACT_MIN_LO,
    CAMPAIGN_CHANNELS,
    CAMPAIGN_COST,
    CAMPAIGN_REACH,
    CAMPAIGN_THEMES,
    CASE_MIN,
    CASE_P,
    CASE_P_HC,
    COMPETITORS,
    GROUPS,
    IND_GROUPS,
    S_CONV,
    S_HIT,
)
from kansrijk.demo.writing import _date32, _ts


class CrmPart:
    """The CRM part of the generator (a mixin of kansrijk.demo._Demo)."""

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
