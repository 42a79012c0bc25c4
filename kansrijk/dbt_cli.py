"""Running dbt against the warehouse, and the one reader of what a dbt run says went wrong.

`make run` (kansrijk.refresh), the Dagster dbt assets (orchestration.dbt_assets), the benchmark
and the test fixtures all build with :func:`run_dbt` or read failures with :func:`failures`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kansrijk.runtime import RefreshError
from kansrijk.settings import REPO_ROOT, Settings

DBT = str(Path(sys.executable).parent / "dbt")  # the dbt of this environment
FAILED = ("error", "fail", "runtime error")
# What a refresh builds: every seed, model and data test. dbt's unit tests check the SQL's logic on
# fixed inputs, not the delivered data, so they run once per change of the code (`make test`,
# tests/test_dbt_unit.py), not in every refresh, as dbt advises for production runs.
BUILD = ("build", "--exclude-resource-type", "unit_test")


def build_args(dbt_vars: dict | None = None, full_refresh: bool = False) -> list[str]:
    """The arguments of a refresh's dbt build (BUILD, its vars, --full-refresh), for every runner."""
    args = list(BUILD)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if full_refresh:
        args.append("--full-refresh")
    return args


def dbt_command(s: Settings, *args: str) -> list[str]:
    return [
        DBT, *args,
        "--project-dir", str(REPO_ROOT),
        "--profiles-dir", str(REPO_ROOT),
        "--target-path", str(s.data_dir / "target"),
        "--log-path", str(s.data_dir / "logs"),
    ]


def dbt_env(s: Settings) -> dict[str, str]:
    return s.process_env()


def failures(results: dict) -> list[tuple[str, str]]:
    """(unique_id, first line of the message) of every failed node in a run_results.json."""
    out = []
    for r in results.get("results", []):
        if r.get("status") in FAILED:
            msg = (r.get("message") or "").strip().splitlines()
            out.append((r["unique_id"], msg[0] if msg else r["status"]))
    return out


def warned(results: dict, prefix: str = "test.") -> list[tuple[str, str]]:
    """(unique_id, compiled SQL) of every test that warned in a run_results.json, by name prefix."""
    return [(r["unique_id"], r["compiled_code"]) for r in results.get("results", [])
            if r.get("status") == "warn" and r["unique_id"].startswith(prefix) and r.get("compiled_code")]


def last_results(s: Settings) -> dict:
    """The run_results.json of the last dbt command against this data directory ({} when none)."""
    path = s.data_dir / "target" / "run_results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def failure_sentence(command: str, failed: list[tuple[str, str]], log: Path | None = None) -> str:
    """One sentence for a failed dbt command, naming the first failed node."""
    if failed:
        uid, msg = failed[0]
        more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
        return f"dbt {command} failed at {uid} ({msg}){more}; the serving copy was left as it was."
    where = f" or {log}" if log else ""
    return (f"dbt {command} failed before running any model (see the dbt log above{where}); "
            "the serving copy was left as it was.")


def run_dbt(s: Settings, *args: str, quiet: bool = False) -> str | None:
    """Run a dbt command against the warehouse; return its invocation id or raise RefreshError."""
    s.temp_directory.mkdir(parents=True, exist_ok=True)
    results = s.data_dir / "target" / "run_results.json"
    results.unlink(missing_ok=True)  # an earlier run's results must not be read as this run's
    out = subprocess.run(dbt_command(s, *args), env=dbt_env(s), cwd=REPO_ROOT, capture_output=quiet, text=True)
    data = json.loads(results.read_text()) if results.exists() else {}
    if out.returncode != 0:
        if quiet:
            sys.stderr.write((out.stdout or "")[-4000:])
        raise RefreshError(failure_sentence(args[0], failures(data), s.data_dir / "logs" / "dbt.log"))
    return data.get("metadata", {}).get("invocation_id")
