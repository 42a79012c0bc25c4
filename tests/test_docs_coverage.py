"""Documentation coverage, from the dbt manifest: every mart and every column says what it is.

`dbt parse` writes the manifest into a temporary target folder; the test fails on a model in
models/marts without a description (or whose description does not start with its grain,
"One row ..."), a documented column without a description, a mart that does not enforce its
contract (the contract is what makes the yml list every column), and a source column without
a description. On the demo serving copy it also fails on a column that a mart has but its yml
does not list.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from kansrijk.settings import REPO_ROOT
from tests.support import built_manifest


@pytest.fixture(scope="module")
def manifest(demo_build) -> dict:
    return built_manifest(demo_build)


def _marts(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")]


def test_there_are_marts(manifest):
    assert len(_marts(manifest)) >= 17


def test_every_mart_has_a_description_stating_its_grain(manifest):
    bad = [n["name"] for n in _marts(manifest) if not (n.get("description") or "").strip()]
    assert bad == [], f"marts without a description: {bad}"
    no_grain = [n["name"] for n in _marts(manifest) if not n["description"].strip().startswith("One row")]
    assert no_grain == [], f"marts whose description does not start with its grain ('One row ...'): {no_grain}"


def test_every_mart_column_is_documented(manifest):
    bad = []
    for n in _marts(manifest):
        if not n["columns"]:
            bad.append(f"{n['name']}: no columns documented")
        bad += [f"{n['name']}.{c}" for c, col in n["columns"].items() if not (col.get("description") or "").strip()]
    assert bad == [], f"undocumented mart columns: {bad}"


def test_every_mart_enforces_its_contract(manifest):
    # with an enforced contract dbt refuses a build whose columns differ from the yml,
    # so the yml (and the docs) list exactly the columns the mart has
    bad = [n["name"] for n in _marts(manifest) if not n["config"].get("contract", {}).get("enforced")]
    assert bad == [], f"marts without an enforced contract: {bad}"


def test_every_source_column_is_documented(manifest):
    bad = []
    for s in manifest["sources"].values():
        if not (s.get("description") or "").strip():
            bad.append(f"{s['source_name']}.{s['name']}: no description")
        bad += [f"{s['source_name']}.{s['name']}.{c}" for c, col in s["columns"].items()
                if not (col.get("description") or "").strip()]
    assert bad == [], f"undocumented sources or source columns: {bad}"


def test_exposures_reach_the_bi_facing_marts(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"segment_report", "bi_dashboard"} <= set(exposures)
    for e in exposures.values():
        assert e["description"].strip()
        assert e["depends_on"]["nodes"], f"exposure {e['name']} depends on nothing"


def test_built_marts_have_no_columns_missing_from_the_docs(manifest, demo_build):
    documented = {n["name"]: set(n["columns"]) for n in _marts(manifest)}
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        built = con.execute("select table_name, column_name from information_schema.columns "
                            "where table_schema = 'marts' and table_name <> 'publish_log'").fetchall()
    bad = sorted(f"{t}.{c}" for t, c in built if t in documented and c not in documented[t])
    assert bad == [], f"mart columns without documentation: {bad}"
    unknown = sorted({t for t, _ in built} - set(documented))
    assert unknown == [], f"tables in the serving copy with no model in models/marts: {unknown}"


QUICKSTART = REPO_ROOT / "docs" / "analyst-quickstart.md"


def quickstart_queries() -> list[str]:
    import re

    return re.findall(r"```sql\n(.*?)```", QUICKSTART.read_text(), flags=re.S)


def test_quickstart_has_six_questions():
    # five questions with one query each; the sixth (what-if and the allocation trace) has two
    assert len(quickstart_queries()) == 7


@pytest.mark.parametrize("n", range(7))
def test_quickstart_query_runs_on_the_serving_copy(demo_build, n):
    sql = quickstart_queries()[n]
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    # the demo data plants loss-making whales, attractive segments, white space, ex-customers and a target
    assert rows, f"quickstart query {n + 1} returned no rows on the demo data:\n{sql}"


def test_make_docs_writes_the_site(demo_build):
    from kansrijk.docs import SITE_FILES, write_docs

    dest = write_docs(demo_build)
    assert dest == demo_build.docs_dir
    for f in SITE_FILES:
        assert (dest / f).stat().st_size > 1000, f
    catalog = json.loads((dest / "catalog.json").read_text())
    assert "model.kansrijk.mart_customer_profitability" in catalog["nodes"]
    manifest = json.loads((dest / "manifest.json").read_text())
    assert "exposure.kansrijk.segment_report" in manifest["exposures"]
