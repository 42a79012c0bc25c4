"""Layers flow one way: the refs of every model, read from the dbt manifest, against the house picture.

`dbt parse` writes the manifest into a temporary target folder (as tests/test_docs_coverage.py does);
each model's layer comes from its folder (docs/design.md "Layers: what may read what"):

- staging        models/staging/<source>/       reads only sources (1:1 with the landing tables);
- core           models/intermediate/core/      the shared facts of every subject (sales lines,
                                                customer-months, identity, as-of date and windows):
                                                reads staging, seeds and core;
- core marts     models/marts/core/             dim_* and fct_* (customer and segment dimensions,
                                                customer P&L per month): read staging, seeds, core
                                                and intermediate models, never a subject mart;
- intermediate   models/intermediate/<subject>/ reads staging, seeds, core (both folders) and the
                                                intermediate models of its own subject or of a
                                                subject before it in SUBJECTS; never a mart of a
                                                subject;
- mart           models/marts/<subject>/        reads anything of its own subject or before it;
- semantic       models/semantic/               reads marts and core.

Nothing but staging reads a source. The subject order is the one way the subjects flow.
"""

from __future__ import annotations


import pytest

from kansrijk.settings import REPO_ROOT
from tests.support import built_manifest

# upstream first: a subject may read the intermediate models (and a mart the marts) of the subjects before it
SUBJECTS = ("profitability", "penetration", "segmentation", "clv", "planning", "stock", "whatif")


@pytest.fixture(scope="module")
def manifest(demo_build) -> dict:
    return built_manifest(demo_build)


def place(node: dict) -> tuple[str, str | None]:
    """(layer, subject) of a manifest node: layer in source, seed, staging, core, core_mart,
    intermediate, mart, semantic; subject for intermediate and mart."""
    if node["resource_type"] == "source":
        return "source", None
    if node["resource_type"] == "seed":
        return "seed", None
    parts = node["original_file_path"].split("/")
    layer, folder = parts[1], parts[2] if len(parts) > 3 else None
    if layer == "staging":
        return "staging", None
    if layer == "semantic":
        return "semantic", None
    if folder == "core":
        return ("core", None) if layer == "intermediate" else ("core_mart", None)
    assert folder in SUBJECTS, f"{node['original_file_path']}: a model outside the folders of the house picture"
    return ("intermediate" if layer == "intermediate" else "mart"), folder


def allowed(reader: tuple[str, str | None], read: tuple[str, str | None]) -> bool:
    layer, subject = reader
    rlayer, rsubject = read
    if layer == "staging":
        return rlayer == "source"
    if rlayer == "source":
        return False
    if layer == "core":
        return rlayer in ("staging", "seed", "core")
    if layer == "core_mart":
        return rlayer in ("staging", "seed", "core", "core_mart", "intermediate")
    if layer == "semantic":
        return rlayer in ("core", "core_mart", "mart", "semantic")
    upstream = SUBJECTS[: SUBJECTS.index(subject) + 1]
    if layer == "intermediate":
        return rlayer in ("staging", "seed", "core", "core_mart") or (rlayer == "intermediate" and rsubject in upstream)
    # a subject mart
    return rlayer in ("staging", "seed", "core", "core_mart") or (rlayer in ("intermediate", "mart") and rsubject in upstream)


def _models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def _node(manifest: dict, uid: str) -> dict | None:
    return manifest["nodes"].get(uid) or manifest["sources"].get(uid)


def test_every_model_sits_in_a_layer(manifest):
    layers = {place(n)[0] for n in _models(manifest)}
    assert {"staging", "core", "core_mart", "intermediate", "mart"} <= layers


def test_layers_flow_one_way(manifest):
    bad = []
    for n in _models(manifest):
        reader = place(n)
        for uid in n["depends_on"]["nodes"]:
            dep = _node(manifest, uid)
            if dep is None or dep["resource_type"] not in ("model", "seed", "source"):
                continue
            read = place(dep)
            if not allowed(reader, read):
                bad.append(f"{n['name']} ({'/'.join(filter(None, reader))}) reads "
                           f"{dep['name']} ({'/'.join(filter(None, read))})")
    assert bad == [], "refs against the flow of the layers:\n  " + "\n  ".join(sorted(bad))


def test_no_intermediate_model_reads_a_subject_mart(manifest):
    """The rule of issue 20 by itself, so its failure names it plainly."""
    bad = sorted(f"{n['name']} reads {_node(manifest, uid)['name']}"
                 for n in _models(manifest) if place(n)[0] in ("core", "intermediate")
                 for uid in n["depends_on"]["nodes"]
                 if uid in manifest["nodes"] and manifest["nodes"][uid]["resource_type"] == "model"
                 and place(manifest["nodes"][uid])[0] == "mart")
    assert bad == [], f"intermediate models reading a subject mart: {bad}"


def test_the_rules_catch_a_backward_ref():
    """The checker itself: the three backward refs issue 20 found are refused, their fixes allowed."""
    assert not allowed(("intermediate", "clv"), ("mart", "profitability"))  # int_clv_customer_summary, before
    assert not allowed(("intermediate", "planning"), ("mart", "segmentation"))  # int_prospect_candidates_ranked
    assert not allowed(("intermediate", "planning"), ("mart", "planning"))  # int_planning_new_business_rates
    assert not allowed(("intermediate", "profitability"), ("intermediate", "planning"))  # against the subject order
    assert not allowed(("core", None), ("intermediate", "profitability"))
    assert not allowed(("intermediate", "clv"), ("source", None))
    assert allowed(("intermediate", "clv"), ("core_mart", None))  # fct_customer_pnl_monthly
    assert allowed(("intermediate", "planning"), ("intermediate", "segmentation"))
    assert allowed(("mart", "segmentation"), ("mart", "penetration"))


# --------------------------------------------------------------------------- rules written once

WINDOW_VARS = ("segment_window_days", "rfm_window_days", "penetration_window_days", "whale_curve_window_months",
               "clv_acquisition_window_months")


def _project_files(*patterns: str) -> dict[str, str]:
    return {str(p.relative_to(REPO_ROOT)): p.read_text(encoding="utf-8")
            for pattern in patterns for p in sorted(REPO_ROOT.glob(pattern))}


def test_business_rules_are_written_once():
    """Each rule issue 20 names has one definition: customer = active or lapsed (macro is_customer,
    read as dim_customer.is_customer), the eight cost categories (var cost_categories), the window
    bounds (int_window_bounds), the ABC cut (macro abc_class) and the cost of sales (macro
    cost_of_sales_expr)."""
    import re

    code = _project_files("models/**/*.sql", "macros/**/*.sql", "models/**/*.yml", "seeds/*.yml")
    customer_rule = re.compile(r"in\s*\(\s*'active'\s*,\s*'lapsed'\s*\)|in\s*\(\s*'lapsed'\s*,\s*'active'\s*\)")
    assert [f for f, t in code.items() if customer_rule.search(t)] == ["macros/business_rules.sql"]
    # a literal list or sum of the cost categories (two neighbours are enough to spot one)
    categories = re.compile(r"commission['\"]?\s*[,+]\s*['\"]?order_handling")
    assert [f for f, t in code.items() if categories.search(t)] == []
    for v in WINDOW_VARS:
        users = [f for f, t in code.items() if f.endswith(".sql") and re.search(rf"var\(\s*['\"]{v}['\"]", t)]
        assert users == ["models/intermediate/core/int_window_bounds.sql"], f"var {v} read in {users}"
    # the ABC cut (customers and products: macro abc_class) and the cost of sales (commission, sales
    # effort, marketing: macro cost_of_sales_expr, also the acquisition spend of scorecard and CLV)
    abc_cut = re.compile(r"then\s+'B'")
    assert [f for f, t in code.items() if abc_cut.search(t)] == ["macros/abc.sql"]
    cost_of_sales = re.compile(r"commission['\"]?\s*[,+]\s*['\"]?(\w+\.)?sales_effort")
    assert [f for f, t in code.items() if cost_of_sales.search(t)] == ["macros/acquisition.sql"]
