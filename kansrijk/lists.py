"""Lists sales can import: per account owner, the target list and the at-risk list as CSV.

`python -m kansrijk.lists` (`make lists`; the refresh runs it after each publish) opens the
published serving copy read-only and writes, for every owner:

    <data dir>/lists/<owner>/targets.csv    marts.mart_prospect_targets, the owner's accounts
    <data dir>/lists/<owner>/at_risk.csv    marts.mart_customer_at_risk, the owner's accounts

The owner is the CRM account's owner (`dim_customer.crm_owner`, `mart_customer_at_risk.owner`);
companies without a CRM account, or without an owner, are listed under the folder `_unassigned`
(with an empty `crm_account_id`: match them on `erp_customer_id`). An owner's name becomes a
folder name with every character other than letters, digits, `.`, `-` and `_` replaced by `_`.
The files are comma-separated UTF-8 with a header; the first column is `crm_account_id`, the key
a CRM import matches on; rows are in list order (target rank, at-risk rank), and an owner with
accounts on one list only gets an empty file (header only) for the other. The folder is
replaced as a whole, so an owner who no longer has accounts on either list has no folder.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import sys
from pathlib import Path

import duckdb

from kansrijk import settings as settings_mod
from kansrijk.settings import Settings, SettingError

UNASSIGNED = "_unassigned"

TARGET_COLUMNS = ["crm_account_id", "erp_customer_id", "company_name", "owner", "target_rank", "lifecycle_status",
                  "segment_key", "expected_value", "reason"]
AT_RISK_COLUMNS = ["crm_account_id", "erp_customer_id", "company_name", "owner", "at_risk_rank", "lifecycle_status",
                   "segment_key", "prob_alive_pct", "days_silent", "value_at_risk", "reason"]

TARGETS_SQL = """
select d.crm_account_id, d.erp_customer_id, coalesce(t.company_name, d.company_name) as company_name,
       d.crm_owner as owner, t.target_rank, t.lifecycle_status, t.segment_key, t.expected_value, t.reason
from marts.mart_prospect_targets as t
left join marts.dim_customer as d on t.customer_key = d.customer_key
-- a lapsed customer that is on the at-risk list is called about once, as at risk: the at-risk list
-- carries its own value and reason, the target list only a segment's average for new business
where t.customer_key not in (select customer_key from marts.mart_customer_at_risk)
order by t.target_rank
"""

AT_RISK_SQL = """
select crm_account_id, erp_customer_id, company_name, owner, at_risk_rank, lifecycle_status, segment_key,
       round(prob_alive * 100, 1) as prob_alive_pct, days_silent, value_at_risk, reason
from marts.mart_customer_at_risk
order by at_risk_rank
"""


class ListsError(Exception):
    """The lists cannot be written; the message says what to do."""


def lists_dir(settings: Settings) -> Path:
    """`<data dir>/lists`: one folder per owner."""
    return settings.data_dir / "lists"


def owner_folder(owner: str | None) -> str:
    """The folder name of an owner: unsafe characters replaced; `_unassigned` when there is none."""
    if owner is None or not owner.strip():
        return UNASSIGNED
    name = re.sub(r"[^A-Za-z0-9._-]", "_", owner.strip()).strip(".")
    return name or UNASSIGNED


def _rows(con: duckdb.DuckDBPyConnection, sql: str, table: str) -> list[tuple]:
    have = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?", [table]
    ).fetchone()[0]
    if not have:
        raise ListsError(f"marts.{table} is not in the serving copy: run `make run` to publish it first.")
    return con.execute(sql).fetchall()


def _write(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


def write_lists(settings: Settings | None = None) -> dict[str, dict[str, int]]:
    """Write the lists from the serving copy; {owner folder: {"targets": rows, "at_risk": rows}}."""
    s = settings or settings_mod.load()
    if not s.serving.exists():
        raise ListsError(f"No serving copy at {s.serving}: run `make run` (or set SERVING) first.")
    with duckdb.connect(str(s.serving), read_only=True) as con:
        targets = _rows(con, TARGETS_SQL, "mart_prospect_targets")
        at_risk = _rows(con, AT_RISK_SQL, "mart_customer_at_risk")
    per_owner: dict[str, dict[str, list[tuple]]] = {}
    for kind, rows in (("targets", targets), ("at_risk", at_risk)):
        for r in rows:
            per_owner.setdefault(owner_folder(r[3]), {"targets": [], "at_risk": []})[kind].append(r)

    out = lists_dir(s)
    staging = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts: dict[str, dict[str, int]] = {}
    for folder, lists in sorted(per_owner.items()):
        (staging / folder).mkdir()
        _write(staging / folder / "targets.csv", TARGET_COLUMNS, lists["targets"])
        _write(staging / folder / "at_risk.csv", AT_RISK_COLUMNS, lists["at_risk"])
        counts[folder] = {k: len(v) for k, v in lists.items()}
    # swap the whole folder: a reader sees the old lists or the new ones, never a mix
    old = out.with_name(f".{out.name}.{os.getpid()}.old")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
    return counts


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    try:
        s = settings_mod.load()
        counts = write_lists(s)
    except (SettingError, ListsError) as e:
        print(f"kansrijk: {e}", file=sys.stderr)
        return 1
    for folder, n in counts.items():
        print(f"  {folder:30s} targets {n['targets']:>6,d}   at risk {n['at_risk']:>6,d}")
    total_t = sum(n["targets"] for n in counts.values())
    total_r = sum(n["at_risk"] for n in counts.values())
    print(f"kansrijk: wrote {total_t:,} targets and {total_r:,} at-risk accounts for {len(counts)} owners "
          f"to {lists_dir(s)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
