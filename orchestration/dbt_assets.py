"""Every dbt model, seed and test as Dagster assets and asset checks (dagster-dbt).

Groups follow the dbt folders (staging, intermediate, marts; seeds are `reference`),
asset keys are `<layer>/<model>`, and dbt sources map onto the landing assets
`raw/<table>`, so the graph reads landing → staging → intermediate → marts → serving.
dbt tests are asset checks; dbt builds everything in one invocation, so a failing test
stops the models downstream of it and the publish step.

The manifest lives in `<data dir>/target_dagster/`. It is (re)parsed when missing or
older than the dbt project's files, so the definitions load on a fresh clone.
"""


import fcntl
import json
import logging
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from kansrijk import settings as settings_mod
from kansrijk.dbt_cli import (DBT, NOTHING_NEW, build_args, drop_removed_relations, failure_sentence, failures,
                              forget_build, log_file, remember_build, skipped_sentence, unchanged_build)
from kansrijk.ingest.raw import loaded_through, mark_tested
from kansrijk.settings import REPO_ROOT
from orchestration.ingest import landing_key
from orchestration.resources import POOL, RETRY, KansrijkResource, data_failure, is_transient

log = logging.getLogger(__name__)
_settings = settings_mod.load()

DBT_PROJECT = DbtProject(
    project_dir=REPO_ROOT,
    profiles_dir=REPO_ROOT,
    target_path=_settings.data_dir / "target_dagster",
)


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [REPO_ROOT / "dbt_project.yml", REPO_ROOT / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests/dbt", "snapshots", "analyses"):
        root = REPO_ROOT / folder
        if root.is_dir():
            sources += [p for p in root.rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def prepare(project: DbtProject) -> None:
    """`dbt parse` into the project's target folder: under `dagster dev` (what prepare_if_dev
    does) and whenever the manifest is missing or older than the project's files.

    Under a file lock: two processes loading the definitions at once (two pytest workers, the UI
    and a run) must not read a manifest the other is still writing."""
    target = Path(project.project_dir) / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _prepare(project, target)


def _prepare(project: DbtProject, target: Path) -> None:
    if not (project.preparer.using_dagster_dev() or _manifest_is_stale(project)):
        return
    out = subprocess.run(
        [DBT, "parse", "--quiet", "--project-dir", str(project.project_dir),
         "--profiles-dir", str(project.profiles_dir), "--target-path", str(target), "--log-path", str(target)],
        cwd=project.project_dir, capture_output=True, text=True,
        env=_settings.process_env(),
    )
    if out.returncode == 0 and project.manifest_path.exists():
        return
    error = (out.stdout + out.stderr).strip()[-2000:]
    if not project.manifest_path.exists():
        raise RuntimeError(f"dbt parse failed, so the dbt assets cannot load: {error}")
    # A project mid-edit: keep the last good manifest so the UI still loads; the run's
    # `dbt build` reports the same error.
    log.warning("dbt parse failed; the dbt assets use the last good manifest %s: %s", project.manifest_path, error)


prepare(DBT_PROJECT)


def layer(props: Mapping[str, Any]) -> str:
    """staging / intermediate / marts from the model's folder; seeds are `reference`."""
    if props["resource_type"] == "seed":
        return "reference"
    fqn = props.get("fqn") or []
    return fqn[1] if len(fqn) > 2 else "default"


class KansrijkDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return landing_key(dbt_resource_props.get("identifier") or dbt_resource_props["name"])
        return AssetKey([layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer(dbt_resource_props)


TRANSLATOR = KansrijkDbtTranslator()


class DbtBuildConfig(Config):
    """Run config of the dbt step (the same options as `python -m kansrijk.refresh`)."""

    vars: str = ""  # dbt vars as JSON, e.g. '{"as_of_date": "2026-10-31"}'; "" = dbt_project.yml defaults
    full_refresh: bool = False  # rebuild incremental models from scratch


def _failure(invocation, warehouse: Path) -> Exception:
    """A data failure (failed test, model error) or, for a locked/unreadable file, a retryable error.

    The failed nodes and the sentence come from kansrijk.dbt_cli, as for `make run`."""
    try:
        results = invocation.get_artifact("run_results.json")
    except Exception:  # dbt stopped before writing results (parse error, lock at start)
        results = {}
    failed = failures(results, warehouse)
    if failed and all(is_transient(m) for _, m in failed):
        return RuntimeError(f"dbt build hit a transient error (retried): {failed[0][1]}")
    if not failed:
        err = invocation.get_error()
        if err is not None and is_transient(err):
            return RuntimeError(f"dbt build hit a transient error (retried): {err}")
    return data_failure(failure_sentence("build", failed), failed=[u for u, _ in failed])


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    name="dbt_build",
    pool=POOL,
    retry_policy=RETRY,
)
def dbt_build_assets(context: AssetExecutionContext, dbt: DbtCliResource, kansrijk: KansrijkResource,
                     config: DbtBuildConfig):
    s = kansrijk.settings
    s.temp_directory.mkdir(parents=True, exist_ok=True)
    # dbt's log file, which dagster-dbt keeps in the target folder, at the configured level
    dbt_vars = json.loads(config.vars) if config.vars else None
    args = [*build_args(dbt_vars, config.full_refresh), *log_file(s)]
    plain = build_args(dbt_vars)  # what a build reads, as kansrijk.refresh.dbt_build keys it
    # nothing new since the last passing build of the whole project (this job's or `make run`'s): the
    # build would give the same marts, so it is skipped, as a refresh skips it. The marts it built are
    # reported as materialized by that build (its invocation id), so the publish, report and lists
    # steps run as after a build, as they do in `make run`: a publish that a guard stopped, a changed
    # publish setting or a lost serving copy is published now, and an unchanged one writes nothing.
    last = None if (config.full_refresh or context.is_subset) else unchanged_build(s, plain)
    if last is not None:
        context.log.info(skipped_sentence(last, "run config full_refresh"))
        selected = context.selected_asset_keys
        for key in context.job_def.asset_layer.asset_graph.toposorted_asset_keys:  # Dagster wants this order
            if key in selected and key.path[0] == "marts":
                yield MaterializeResult(asset_key=key, metadata={
                    "invocation_id": last["dbt_invocation_id"],
                    "dbt_build": f"skipped: {NOTHING_NEW} ({last['built_at']})"})
        return
    through = loaded_through(s)
    forget_build(s)  # this build writes the warehouse: the last build's record no longer holds
    # The run's own target folder (the one `make run` uses): partial parsing is shared.
    invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=s.data_dir / "target")
    yield from invocation.stream()
    if not invocation.is_successful():
        raise _failure(invocation, s.warehouse)
    for relation in drop_removed_relations(s, invocation.target_path / "manifest.json"):  # as run_dbt does
        context.log.info(f"dropped {relation}: no model or seed of this project builds it any more")
    if not context.is_subset:  # a build of the whole project tested every load it read (as `make run`)
        invocation_id = invocation.get_artifact("run_results.json").get("metadata", {}).get("invocation_id")
        mark_tested(s, through, invocation_id)
        remember_build(s, plain, invocation_id, through)


def keys_in_layer(name: str) -> list[AssetKey]:
    """Asset keys of the dbt models in one layer (e.g. every mart), sorted."""
    return sorted((k for k in dbt_build_assets.keys if k.path[0] == name), key=lambda k: k.to_user_string())


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT)


def source_freshness() -> dict[AssetKey, dict]:
    """dbt source freshness config (`error_after`) per landing asset key, from the manifest."""
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    out = {}
    for props in manifest.get("sources", {}).values():
        fresh = props.get("freshness") or (props.get("config") or {}).get("freshness") or {}
        error_after = fresh.get("error_after") or {}
        if error_after.get("count") and error_after.get("period"):
            out[TRANSLATOR.get_asset_key(props)] = error_after
    return out
