"""The import rules of the house (docs/design.md, "The house"), read from the source.

Every import counts, also the lazy ones inside functions. Static reading, no import side
effects: a rule broken anywhere in a module fails here with the module and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kansrijk", "orchestration", "bench")

# The commands that run the whole refresh; everything else in kansrijk/ is a step or below.
PIPELINE = {"kansrijk.refresh"}
COMMANDS = {"kansrijk.cdnow_run"}
BOTTOM = {"kansrijk.settings": set(), "kansrijk.runtime": {"kansrijk.settings"}}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((REPO_ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(REPO_ROOT).with_suffix("")
            name = ".".join(p for p in rel.parts if p != "__init__")
            out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module a file imports (absolute names), with the line."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
            out += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return out


def _in(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_rules_see_every_module():
    assert {"kansrijk.refresh", "kansrijk.ingest", "kansrijk.publish", "kansrijk.runtime", "kansrijk.dbt_cli",
            "orchestration.definitions", "bench.run"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("kansrijk.")
                                          and m not in PIPELINE | COMMANDS))
def test_steps_import_no_pipeline_and_no_dagster(module):
    """Ingest, validation, dbt, publish, report (and what they use) know nothing above them."""
    bad = [(n, line) for n, line in _imports(MODULES[module])
           if _in(n, "kansrijk.refresh") or _in(n, "kansrijk.cdnow_run") or _in(n, "orchestration")
           or _in(n, "dagster") or _in(n, "dagster_dbt")]
    assert not bad, f"{MODULES[module].relative_to(REPO_ROOT)} imports from above it: {bad}"


@pytest.mark.parametrize("module", sorted(BOTTOM))
def test_bottom_modules_import_only_below(module):
    own = {n for n, _ in _imports(MODULES[module]) if _in(n, "kansrijk")}
    allowed = BOTTOM[module]
    assert {n for n in own if not any(_in(n, a) for a in allowed)} == set(), (
        f"{module} may import only {sorted(allowed) or 'the standard library'} of kansrijk")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_settings_reads_the_environment(module):
    """Settings come from kansrijk.settings; no module reads or writes os.environ itself."""
    if module == "kansrijk.settings":
        return
    tree = ast.parse(MODULES[module].read_text())
    bad = [node.lineno for node in ast.walk(tree)
           if (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"))
           or (isinstance(node, ast.Name) and node.id in ("environ", "getenv"))]
    assert not bad, f"{MODULES[module].relative_to(REPO_ROOT)} reads the environment at line(s) {bad}"


def test_orchestration_uses_the_one_refresh():
    """The Dagster assets call the step functions of kansrijk.refresh, not the step modules directly."""
    direct = {}
    for module in ("orchestration.ingest", "orchestration.publish"):
        names = {n for n, _ in _imports(MODULES[module])}
        direct[module] = sorted(n for n in names if n in ("kansrijk.ingest.ingest_landing", "kansrijk.publish.publish",
                                                           "kansrijk.report.write_report"))
    assert direct == {"orchestration.ingest": [], "orchestration.publish": []}
