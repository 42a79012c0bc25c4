"""What makes the deliveries differ: rows re-sent in a later delivery with their corrections, and the
snapshots (customers, products, CRM accounts, campaigns) of each delivery."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kansrijk.demo.arrays import _ids, _nullable
from kansrijk.demo.reference import COUNTRIES, GROUPS, INDUSTRIES
from kansrijk.demo.writing import _date32


class DeliveriesPart:
    """The deliveries part of the generator (a mixin of kansrijk.demo._Demo)."""

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
