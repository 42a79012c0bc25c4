"""Lists sales can import (kansrijk.lists, `make lists`): per owner, targets.csv and at_risk.csv.

A hand-made serving copy checks the folders and files row by row; the demo serving copy checks that
the files together hold every row of the two marts with the CRM's account ids.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from kansrijk import lists
from tests.support import kansrijk_env


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_lists_by_hand(tmp_path):
    """Three companies on the target list, two at risk:

        customer  CRM account  owner          list
        erp:1     A1           Ans            at risk (rank 1)
        erp:2     —            —              at risk (rank 2), ERP only -> _unassigned
        crm:P1    P1           Jan de Vries   target rank 1 -> folder Jan_de_Vries
        erp:3     A3           Ans            target rank 2
        crm:P2    P2           —              target rank 3 -> _unassigned

    So Ans: 1 target, 1 at risk; Jan_de_Vries: 1 target, 0 at risk (header only); _unassigned:
    1 target, 1 at risk (empty crm_account_id).
    """
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "serving.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_customer as select * from (values "
                    "('erp:1', '1', 'A1', 'Een', 'Ans'), ('erp:2', '2', null, 'Twee', null),"
                    "('crm:P1', null, 'P1', 'Prospect 1', 'Jan de Vries'), ('erp:3', '3', 'A3', 'Drie', 'Ans'),"
                    "('crm:P2', null, 'P2', 'Prospect 2', null))"
                    " as t(customer_key, erp_customer_id, crm_account_id, company_name, crm_owner)")
        con.execute("create table marts.mart_prospect_targets as select * from (values "
                    "(1, 'crm:P1', 'Prospect 1', 'prospect', '46-small', 1000.00, 'r1'),"
                    "(2, 'erp:3', 'Drie', 'ex_customer', '46-small', 900.00, 'r2'),"
                    "(3, 'crm:P2', 'Prospect 2', 'prospect', '46-small', 800.00, 'r3'))"
                    " as t(target_rank, customer_key, company_name, lifecycle_status, segment_key, expected_value, reason)")
        con.execute("create table marts.mart_customer_at_risk as select * from (values "
                    "(1, 'erp:1', 'Een', 'Ans', 'A1', '1', '46-small', 'lapsed', 0.34, 120, 30.0, 5000.00, 'P(alive) 34 %'),"
                    "(2, 'erp:2', 'Twee', null, null, '2', '46-small', 'active', null, 90, 20.0, 3000.00, 'no order'))"
                    " as t(at_risk_rank, customer_key, company_name, owner, crm_account_id, erp_customer_id, segment_key,"
                    " lifecycle_status, prob_alive, days_silent, rhythm_interval_days, value_at_risk, reason)")
    with kansrijk_env(data) as s:
        (data / "lists" / "Gone").mkdir(parents=True)  # an owner of an earlier run without accounts now
        counts = lists.write_lists(s)
    assert counts == {"Ans": {"targets": 1, "at_risk": 1}, "Jan_de_Vries": {"targets": 1, "at_risk": 0},
                      "_unassigned": {"targets": 1, "at_risk": 1}}
    out = data / "lists"
    assert sorted(p.name for p in out.iterdir()) == ["Ans", "Jan_de_Vries", "_unassigned"]
    ans_risk = _read(out / "Ans" / "at_risk.csv")
    assert ans_risk == [{"crm_account_id": "A1", "erp_customer_id": "1", "company_name": "Een", "owner": "Ans",
                         "at_risk_rank": "1", "lifecycle_status": "lapsed", "segment_key": "46-small",
                         "prob_alive_pct": "34.0", "days_silent": "120", "value_at_risk": "5000.00",
                         "reason": "P(alive) 34 %"}]
    assert [r["crm_account_id"] for r in _read(out / "Ans" / "targets.csv")] == ["A3"]
    jan = (out / "Jan_de_Vries" / "at_risk.csv").read_text().splitlines()
    assert jan == [",".join(lists.AT_RISK_COLUMNS)]
    assert [(r["crm_account_id"], r["erp_customer_id"]) for r in _read(out / "_unassigned" / "at_risk.csv")] == [("", "2")]
    assert [(r["crm_account_id"], r["target_rank"]) for r in _read(out / "_unassigned" / "targets.csv")] == [("P2", "3")]


def test_no_serving_copy_is_one_clear_sentence(tmp_path):
    with kansrijk_env(tmp_path / "data") as s:
        with pytest.raises(lists.ListsError, match="No serving copy at .*make run"):
            lists.write_lists(s)


def test_demo_lists_hold_the_marts(demo_build):
    counts = lists.write_lists(demo_build)
    out = lists.lists_dir(demo_build)
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        # an account on both lists is written once, on the at-risk list
        n_targets, n_both = con.sql(
            "select count(*), count(*) filter (where customer_key in "
            "(select customer_key from marts.mart_customer_at_risk)) from marts.mart_prospect_targets").fetchall()[0]
        n_targets -= n_both
        at_risk = {r[0]: r[1:] for r in con.sql(
            "select r.at_risk_rank, r.crm_account_id, d.crm_account_id, r.owner, d.crm_owner "
            "from marts.mart_customer_at_risk r join marts.dim_customer d using (customer_key)").fetchall()}
        accounts = {r[0]: r[1] for r in con.sql(
            "select t.target_rank, d.crm_account_id from marts.mart_prospect_targets t "
            "left join marts.dim_customer d using (customer_key)").fetchall()}
    print(f"lists: {counts}")
    assert sum(c["targets"] for c in counts.values()) == n_targets
    assert sum(c["at_risk"] for c in counts.values()) == len(at_risk) > 0
    seen_risk, seen_targets = 0, 0
    for folder in counts:
        for r in _read(out / folder / "at_risk.csv"):
            mart_account, dim_account, owner, dim_owner = at_risk[int(r["at_risk_rank"])]
            assert r["crm_account_id"] == (mart_account or "") == (dim_account or "")
            assert owner == dim_owner and lists.owner_folder(owner) == folder
            seen_risk += 1
        for r in _read(out / folder / "targets.csv"):
            assert r["crm_account_id"] == (accounts[int(r["target_rank"])] or "")
            seen_targets += 1
    assert (seen_targets, seen_risk) == (n_targets, len(at_risk))
    written = {r["crm_account_id"] for f in counts for r in _read(out / f / "targets.csv") if r["crm_account_id"]}
    assert not written & {v[0] for v in at_risk.values() if v[0]}, "an account on both CSV lists"
    # the demo's customers have CRM accounts: the lists carry ids to import on
    with_ids = sum(1 for v in at_risk.values() if v[0])
    assert with_ids > 0


def test_at_risk_rule_on_demo(demo_build):
    """mart_customer_at_risk against the rule re-applied in pandas (docs block customer_at_risk, defaults):
    active and lapsed customers; value = Σ (revenue - cost of goods) of their invoice lines in the 365
    days up to their last purchase day (as-of date - days_silent); valuable = top 20 % by that value
    (percent rank < 0.2) and value > 0; slipping = P(alive) < 0.5, or silent >= 30 days and > 2 × rhythm."""
    import pandas as pd

    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        cust = con.sql(
            "select d.customer_key, d.days_silent, d.rhythm_interval_days, d.as_of_date, c.prob_alive "
            "from marts.dim_customer d left join marts.mart_customer_clv c using (customer_key) "
            "where d.lifecycle_status in ('active', 'lapsed')").df()
        mart = con.sql("select customer_key, value_at_risk, at_risk_rank from marts.mart_customer_at_risk").df()
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        lines = con.sql("select customer_key, invoice_date, revenue - cost_of_goods as margin "
                        "from intermediate.int_sales_lines where not is_orphan").df()
    cust["last"] = pd.to_datetime(cust["as_of_date"]) - pd.to_timedelta(cust["days_silent"], unit="D")
    lines["invoice_date"] = pd.to_datetime(lines["invoice_date"])
    m = lines.merge(cust[["customer_key", "last"]], on="customer_key")
    m = m[(m["invoice_date"] <= m["last"]) & (m["invoice_date"] > m["last"] - pd.Timedelta(days=365))]
    cust["value"] = cust["customer_key"].map(m.groupby("customer_key")["margin"].sum().astype(float)).fillna(0.0)
    cust["pct_rank"] = (cust["value"].rank(ascending=False, method="min") - 1) / (len(cust) - 1)
    slipping = (cust["prob_alive"] < 0.5) | ((cust["days_silent"] >= 30)
                                             & (cust["days_silent"] > 2 * cust["rhythm_interval_days"]))
    want = cust[(cust["value"] > 0) & (cust["pct_rank"] < 0.2) & slipping].sort_values("value", ascending=False)
    assert len(want) > 0
    assert set(mart["customer_key"]) == set(want["customer_key"])
    got = mart.set_index("customer_key")["value_at_risk"].astype(float)
    for key, value in zip(want["customer_key"], want["value"]):
        assert got[key] == pytest.approx(value, abs=0.005)
    assert list(mart.sort_values("at_risk_rank")["customer_key"]) == list(want["customer_key"])
