"""Security basics: no credentials in the repository, secrets only through env_var, the UI on
loopback, readers read-only, landing paths that escape are rejected, pseudonymised publish.

One dbt build, shared with tests/test_faults_crash.py (`two_deliveries_build` of tests/conftest.py):
the two-delivery company of tests/test_faults_input.py (ERP customers with real-looking names,
chamber-of-commerce numbers and postcodes, a CRM prospect), published plainly; the pseudonymised
copy is a second publish of (a copy of) the same warehouse to another serving path.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from kansrijk import publish as publish_mod, refresh as refresh_mod
from tests.support import copy_build, kansrijk_env
from tests.test_faults_input import NAMES, PROSPECT, REPO_ROOT, put, raw_snapshot, sha256

SECRET_ASSIGNMENT = re.compile(
    r"""(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["'][^"'\s{}$]{6,}["']""",
    re.IGNORECASE)
SECRET_SHAPES = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{30,}|xox[baprs]-[A-Za-z0-9-]{10,}"
    r"|(postgres|mysql|snowflake|https?)://[^/\s:@]+:[^/\s:@]+@")


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    # this file holds the planted samples that prove the scan catches secrets
    own = Path(__file__).resolve().relative_to(REPO_ROOT).as_posix()
    return [REPO_ROOT / f for f in out.splitlines()
            if f not in ("uv.lock", own) and (REPO_ROOT / f).is_file()]


def test_no_credentials_in_tracked_files() -> None:
    hits = []
    for f in tracked_files():
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if SECRET_SHAPES.search(line) or SECRET_ASSIGNMENT.search(line):
                hits.append(f"{f.relative_to(REPO_ROOT)}:{n}: {line.strip()[:120]}")
    assert not hits, "possible credentials in the repository:\n" + "\n".join(hits)


def test_the_credential_scan_catches_a_planted_secret() -> None:
    assert SECRET_ASSIGNMENT.search('password: "hunter2hunter2"')
    assert SECRET_ASSIGNMENT.search("API_KEY = 'abcdef123456'")
    assert SECRET_SHAPES.search("postgres://kansrijk:s3cret@db:5432/x")
    assert not SECRET_ASSIGNMENT.search("password: \"{{ env_var('KANSRIJK_DB_PASSWORD') }}\"")


def test_profiles_read_every_setting_through_env_var() -> None:
    text = (REPO_ROOT / "profiles.yml").read_text()
    profiles = yaml.safe_load(text)
    for name, out in profiles["kansrijk"]["outputs"].items():
        for key in ("password", "user", "token", "api_key", "private_key", "private_key_passphrase"):
            if key in out:
                assert "env_var(" in str(out[key]), f"profiles.yml {name}.{key} is a literal"
        for key in ("password", "token", "api_key", "private_key", "private_key_passphrase"):
            if key in out:  # a secret has no default in the file: env_var('X'), never env_var('X', 'value')
                assert re.fullmatch(r"\{\{ env_var\('[A-Z_]+'\) \}\}", str(out[key])), f"{name}.{key}: {out[key]}"
        if out["type"] == "duckdb":
            assert "env_var('KANSRIJK_WAREHOUSE'" in out["path"], name
    assert not SECRET_ASSIGNMENT.search(text)


def test_dagster_ui_binds_to_loopback() -> None:
    make = (REPO_ROOT / "Makefile").read_text()
    ui = re.search(r"^ui:.*?(?=^\S|\Z)", make, re.M | re.S).group(0)
    assert re.search(r"dagster dev .*-h 127\.0\.0\.1", ui), ui
    for f in [REPO_ROOT / "Makefile", *(REPO_ROOT / "orchestration").glob("*.py"), *REPO_ROOT.glob("dagster*.yaml")]:
        assert "0.0.0.0" not in f.read_text(), f"{f.name} binds to every interface"


def test_readers_open_the_serving_copy_read_only() -> None:
    """Every duckdb.connect of the serving copy in the package and the orchestration passes read_only=True."""
    found = []
    for f in [*(REPO_ROOT / "kansrijk").glob("*.py"), *(REPO_ROOT / "orchestration").glob("*.py")]:
        for node in ast.walk(ast.parse(f.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"
                    and node.args and "serving" in ast.unparse(node.args[0])):
                ro = any(k.arg == "read_only" and ast.unparse(k.value) == "True" for k in node.keywords)
                found.append((f.name, node.lineno, ro))
    assert found, "no reader of the serving copy found"
    assert all(ro for *_, ro in found), [f for f in found if not f[2]]


@pytest.fixture(scope="module")
def built(two_deliveries_build, tmp_path_factory):
    """The published two-delivery company (shared with the crash tests, read-only) and, beside a
    copy of it, the same warehouse published pseudonymised."""
    s = two_deliveries_build
    base = tmp_path_factory.mktemp("security")
    data = copy_build(s, base)
    pseudo = data / "serving_pseudonymised.duckdb"
    with kansrijk_env(data, s.landing, PSEUDONYMISE="1", SERVING=str(pseudo),
                      PSEUDONYM_SALT="test-salt") as sp:
        publish_mod.publish(sp)
    return s, s.landing, pseudo


def test_a_write_through_a_read_only_connection_fails(built) -> None:
    s, *_ = built
    before = sha256(s.serving)
    with duckdb.connect(str(s.serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_customer").fetchone()[0] > 0
        for sql in ("delete from marts.dim_customer", "create table marts.x (a int)",
                    "update marts.mart_customer_profitability set revenue = 0"):
            with pytest.raises(duckdb.Error, match="read-only"):
                con.execute(sql)
    assert sha256(s.serving) == before


def test_paths_escaping_the_landing_folder_are_rejected(built, tmp_path) -> None:
    data, landing = copy_build(built[0], tmp_path), tmp_path / "landing"
    outside = tmp_path / "outside"
    outside.mkdir()
    evil = "product_id;product_name;product_group;unit_cost;list_price;is_active\nEVIL;x;hw;1;2;true\n"
    (outside / "erp_products.csv").write_text(evil)
    os.symlink(outside, landing / "2025-06-30")  # a delivery folder that is a symlink to elsewhere
    put(landing, "2025-07-01", "..erp_products.csv", evil)  # a name with '..'
    os.symlink(outside / "erp_products.csv", landing / "2025-07-01" / "erp_products.csv")  # a file symlink out
    with kansrijk_env(data, landing) as s:
        serving_sha, raw_before = sha256(s.serving), raw_snapshot(s.warehouse)
        logged: list[str] = []
        with pytest.raises(refresh_mod.RefreshError) as e:
            refresh_mod.refresh(s, log=logged.append, quiet=True)
        assert str(e.value).startswith("2 file(s) quarantined, first: ..erp_products.csv in delivery 2025-07-01: "
                                       "file name contains '..'; the file was rejected unread.")
        out = "\n".join(logged)
        assert ("erp_products.csv in delivery 2025-07-01: file name points outside the landing folder; "
                "the file was rejected unread.") in out
        assert "warning: Delivery folder 2025-06-30 points outside the landing folder and was skipped." in out
        assert sha256(s.serving) == serving_sha
        assert raw_snapshot(s.warehouse) == raw_before
        assert (outside / "erp_products.csv").read_text() == evil  # the target is never touched or moved
        assert (s.quarantine / "2025-07-01" / "erp_products.csv").is_symlink()


def _needles() -> list[str]:
    return [v for c in NAMES.values() for v in c] + list(PROSPECT) + ["Anna", "Bram"]


def _hits(db: Path) -> dict[str, list[str]]:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        # the text columns: a name or number leaks there; a figure such as 33.333333 % is no leak of
        # the chamber-of-commerce number 33333333
        text_cols: dict[str, list[str]] = {}
        for table, column in con.execute("select table_name, column_name from duckdb_columns() where schema_name = "
                                         "'marts' and data_type = 'VARCHAR' order by table_name, column_index").fetchall():
            text_cols.setdefault(table, []).append(column)
        for t, cols in text_cols.items():
            row = "concat_ws('|', " + ", ".join(f'"{c}"' for c in cols) + ")"
            found = [n for n in _needles()
                     if con.execute(f"select count(*) from marts.{t} where contains({row}, ?)", [n]).fetchone()[0]]
            if found:
                out[t] = found
    return out


def _figures(db: Path) -> dict[str, tuple]:
    """Row count and the sum of every numeric column of every mart."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        cols = con.execute("select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
                       "and table_name <> 'publish_log' and (data_type like 'DECIMAL%' or data_type in "
                       "('DOUBLE', 'FLOAT', 'BIGINT', 'INTEGER', 'HUGEINT', 'SMALLINT')) order by 1, column_index").fetchall()
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' "
                                        "and table_name <> 'publish_log' order by 1").fetchall()]
        for t in tables:
            sums = [f'round(sum(cast("{c}" as double)), 6)' for tt, c in cols if tt == t]
            out[t] = con.execute(f"select count(*) {''.join(', ' + x for x in sums)} from marts.{t}").fetchone()
    return out


def test_pseudonymised_publish_hides_names_and_keeps_figures(built) -> None:
    s, _, pseudo = built
    plain_hits = _hits(s.serving)
    assert "dim_customer" in plain_hits and "Alfa Techniek BV" in plain_hits["dim_customer"]  # the check can see them
    assert _hits(pseudo) == {}
    assert _figures(pseudo) == _figures(s.serving)
    with duckdb.connect(str(pseudo), read_only=True) as con:
        # same company, same pseudonym: the 4 ERP customers and the prospect stay 5 distinct companies
        assert con.execute("select count(distinct company_name), count(distinct coc_number), count(distinct postcode) "
                       "from marts.dim_customer").fetchone() == (5, 5, 5)
