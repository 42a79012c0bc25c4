"""Products and stock: the product master (groups, costs, list prices, lead times), the discontinued
products and the ``erp_stock_levels`` snapshot."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kansrijk.demo.arrays import _cents, _ids, _nullable
from kansrijk.demo.reference import BRANDS, GROUP_COST, GROUP_MARKUP, GROUP_NOUNS, G


class ProductsPart:
    """The products part of the generator (a mixin of kansrijk.demo._Demo)."""

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
