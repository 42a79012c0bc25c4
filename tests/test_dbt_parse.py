"""One dbt parse serves every build of a process (kansrijk.dbt_cli._manifest), whatever its --vars.

That holds only while no var reaches a node's config, refs, sources or SQL at parse time: dbt
renders vars when it compiles a node, at run time. Here `dbt parse` runs twice in child processes,
once with the project's defaults and once with every var of dbt_project.yml changed, and every node,
source, macro and semantic object must come out the same. A var put into a config (say
`enabled: var(...)`) or a ref makes this test fail, and then the shared parse must go.
"""

from __future__ import annotations

import json
import subprocess
import yaml

from kansrijk.dbt_cli import DBT, dbt_args
from kansrijk.settings import REPO_ROOT
from tests.support import kansrijk_env

# what differs between two parses of the same files, whatever the vars
VOLATILE = {"created_at", "generated_at", "invocation_id", "invocation_started_at", "env", "vars"}


# the vars whose other value must be one of a few words or a date (the rest follow their kind)
OTHER = {"as_of_date": "2025-06-30", "planning_period": "2026", "whatif_period": "2025",
         "profitability_freight_cost_center": "LOG", "clv_calibration_end": "2024-12-31",
         "clv_holdout_end": "2025-06-30", "clv_margin": "gross", "clv_cohort_grain": "month",
         "profitability_missing_cost_center": "(geen)",
         "whatif_scenarios": [{"scenario": "commission_plus_5", "lever": "commission", "change_pct": 5,
                               "segment_key": "47-micro", "product_group": ""}]}


def other(value):
    """A value of the same kind, different from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):  # shares and weights: a little less
        return round(value * 0.9, 4)
    if isinstance(value, list):
        return value[::-1] if len(value) > 1 else value + ["x"]
    if isinstance(value, dict):
        return {k: other(v) for k, v in value.items()}
    raise AssertionError(f"no other value for {value!r}: add the var to OTHER")


def scrub(obj):
    """What of a parsed object a build acts on. The nodes a node depends on and refers to count as a
    set (a ref repeated in a var's branch changes nothing); the macros it calls do not count: dbt
    keeps them for state selection, and a build finds every macro of the project by name."""
    if isinstance(obj, dict):
        out = {k: scrub(v) for k, v in obj.items() if k not in VOLATILE}
        if isinstance(out.get("depends_on"), dict):
            out["depends_on"] = sorted(set(out["depends_on"].get("nodes", [])))
        if isinstance(out.get("refs"), list):
            out["refs"] = sorted({json.dumps(r, sort_keys=True) for r in out["refs"]})
        return out
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    return obj


def parse(tmp_path, name: str, dbt_vars: dict | None) -> dict:
    with kansrijk_env(tmp_path / name) as s:
        args = dbt_args(s)
        env = s.process_env()
    cmd = [DBT, "parse", "--quiet", "--no-partial-parse", *args] + (["--vars", json.dumps(dbt_vars)] if dbt_vars else [])
    out = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads((tmp_path / name / "target" / "manifest.json").read_text())


def test_no_var_changes_what_dbt_parses(tmp_path) -> None:
    defaults = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]
    changed = {k: OTHER[k] if k in OTHER else other(v) for k, v in defaults.items()}
    assert [k for k, v in defaults.items() if changed[k] == v] == []
    a = parse(tmp_path, "defaults", None)
    b = parse(tmp_path, "changed", changed)
    kinds = ("nodes", "sources", "macros", "semantic_models", "metrics", "saved_queries", "unit_tests")
    assert len(a["nodes"]) > 400  # every model, seed and data test: a whole parse, not a part
    for kind in kinds:
        assert a[kind].keys() == b[kind].keys(), kind
        differ = [uid for uid in a[kind] if scrub(a[kind][uid]) != scrub(b[kind][uid])]
        assert not differ, f"{kind} parsed differently under other vars: {differ[:5]}"
