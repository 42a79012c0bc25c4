"""A wrong setting stops the run with one sentence naming it, before anything is written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kansrijk import settings as settings_mod
from kansrijk.settings import SettingError
from tests.support import kansrijk_env


def run_refresh(env_extra: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("KANSRIJK_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "kansrijk.refresh"], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_missing_landing_folder_is_named_and_nothing_is_written(tmp_path):
    data = tmp_path / "data"
    r = run_refresh({"KANSRIJK_DATA_DIR": str(data), "KANSRIJK_LANDING": str(tmp_path / "nope")}, tmp_path)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "LANDING=" in lines[0] and "does not exist" in lines[0]
    assert not data.exists()


def test_landing_that_is_a_file(tmp_path):
    f = tmp_path / "landing.csv"
    f.write_text("x")
    with kansrijk_env(tmp_path / "data", f) as s, pytest.raises(SettingError, match="LANDING=.* is a file"):
        settings_mod.check(s)


def test_warehouse_that_is_a_folder(tmp_path):
    (tmp_path / "wh").mkdir()
    with kansrijk_env(tmp_path / "data", None, warehouse=str(tmp_path / "wh")) as s, \
            pytest.raises(SettingError, match="WAREHOUSE=.* is a folder"):
        settings_mod.check(s)


def test_data_dir_inside_a_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with kansrijk_env(f / "data", None) as s, pytest.raises(SettingError, match="DATA_DIR=.* inside the file"):
        settings_mod.check(s)


def test_unwritable_data_dir(tmp_path):
    with kansrijk_env(__import__("pathlib").Path("/proc/kansrijk-test/data"), None) as s, \
            pytest.raises(SettingError, match="DATA_DIR=.* not writable"):
        settings_mod.check(s)


def test_settings_default_under_data_dir(tmp_path):
    with kansrijk_env(tmp_path / "d", None) as s:
        assert s.warehouse == tmp_path / "d" / "warehouse.duckdb"
        assert s.serving == tmp_path / "d" / "serving.duckdb"
        assert s.quarantine == tmp_path / "d" / "quarantine"
        assert s.demo and s.landing == tmp_path / "d" / "demo" / "landing"


def test_serving_storage_version_is_checked_by_duckdb(tmp_path):
    with kansrijk_env(tmp_path / "data", None) as s:
        assert settings_mod.check(s).serving_storage_version == "v1.4.0"
    with kansrijk_env(tmp_path / "data", None, serving_storage_version="v1.1.0") as s:
        assert settings_mod.check(s).serving_storage_version == "v1.1.0"
    with kansrijk_env(tmp_path / "data", None, serving_storage_version="1.4") as s, \
            pytest.raises(SettingError, match="SERVING_STORAGE_VERSION=1.4 is not a DuckDB storage version"):
        settings_mod.check(s)


def test_dbt_log_level_is_one_of_dbts(tmp_path):
    with kansrijk_env(tmp_path / "data", None, dbt_log_level="") as s:
        assert settings_mod.check(s).dbt_log_level == "debug"  # dbt's own default
    with kansrijk_env(tmp_path / "data", None, dbt_log_level="None") as s:
        assert settings_mod.check(s).dbt_log_level == "none"
    with kansrijk_env(tmp_path / "data", None, dbt_log_level="verbose") as s, \
            pytest.raises(SettingError, match="DBT_LOG_LEVEL=verbose is not a dbt log level: set it to one of debug, info"):
        settings_mod.check(s)
