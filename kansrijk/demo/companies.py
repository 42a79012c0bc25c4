"""Customers and prospects: account managers, the ERP customer master and the CRM accounts
(names, addresses, chamber of commerce numbers, segments, churn, the links between ERP and CRM)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kansrijk.demo.arrays import _choice_rows, _cum, _d, _ids, _uniform_days
from kansrijk.demo.reference import (
    BIG,
    CHANNEL_W,
    COUNTRIES,
    COUNTRY_W,
    EMP_HI,
    EMP_LO,
    FIRSTNAMES,
    IND_GROUPS,
    IND_W,
    LEGAL,
    PROSPECT_IND_W,
    PROSPECT_SIZE_W,
    S_BADDEBT,
    S_CASES,
    S_DISC,
    S_EXPRESS,
    S_FREQ,
    S_GROWTH,
    S_LATE,
    S_LPI,
    S_QTY,
    SIZE_W,
    SURNAMES,
    TRADES,
    G,
)


class CompaniesPart:
    """The companies part of the generator (a mixin of kansrijk.demo._Demo)."""

    def make_people(self):
        rng = self.rng
        n = max(4, self.N // 120)
        combos = np.array([f"{f} {s}" for f in FIRSTNAMES for s in SURNAMES[:40]])
        combos = combos[rng.permutation(len(combos))]
        if n > len(combos):
            extra = np.array([f"{combos[i % len(combos)]} {i // len(combos) + 1}" for i in range(len(combos), n)])
            combos = np.concatenate([combos, extra])
        self.reps = combos[:n]

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
