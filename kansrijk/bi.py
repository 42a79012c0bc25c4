"""`make bi`: Apache Superset on the serving copy, read-only, with a small dashboard.

Superset runs in an environment of its own (it needs SQLAlchemy 1.4; kansrijk runs on 2.x), made
with uv from the pinned ``bi/superset/requirements.txt`` the first time it is needed and kept in
``~/.cache/kansrijk/superset-<hash of the requirements>`` (about 700 MB; a changed pin makes a new
one). Superset's own DuckDB there (1.4) opens the serving copy because publish writes it in the
storage format of KANSRIJK_SERVING_STORAGE_VERSION (default v1.4.0).

State per data directory, in ``<data dir>/bi/superset``: Superset's metadata database (SQLite,
copied from an empty one prepared once per environment: Superset's migrations and role set-up
take about two minutes), its secret key and the generated password of user ``admin``.
Each start re-imports the database, one dataset per mart, the charts and the dashboard
(``bi/superset/setup_superset.py``), so a publish that added a mart is picked up.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from kansrijk import settings as settings_mod
from kansrijk.settings import REPO_ROOT, SettingError

BI_DIR = REPO_ROOT / "bi" / "superset"
REQUIREMENTS = BI_DIR / "requirements.txt"
PYTHON = "3.11"
DEFAULT_PORT = 8088
START_TIMEOUT_S = 300
DASHBOARD_PATH = "/superset/dashboard/kansrijk/"


class BIError(Exception):
    """Superset could not be set up or started; the message says which step and where its log is."""


def uv_command() -> list[str]:
    """uv from PATH, else python3's uv module (where the Makefile's `make setup` installs it)."""
    exe = shutil.which("uv")
    return [exe] if exe else [shutil.which("python3") or sys.executable, "-m", "uv"]


def cache_root() -> Path:
    return Path.home() / ".cache" / "kansrijk"


def env_dir() -> Path:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes() + PYTHON.encode()).hexdigest()[:12]
    return cache_root() / f"superset-{digest}"


def state_dir(s: settings_mod.Settings) -> Path:
    return s.data_dir / "bi" / "superset"


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: list[str], log_file: Path, step: str, env: dict[str, str] | None = None) -> None:
    with open(log_file, "a") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    if rc != 0:
        tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BIError(f"Superset {step} failed (exit {rc}: {tail[0][:300]}); see {log_file}.")


def _superset_env(state: Path) -> dict[str, str]:
    # Superset's own interpreter: not this virtual environment's paths
    env = settings_mod.load().process_env(drop=("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"))
    env.update(SUPERSET_CONFIG_PATH=str(BI_DIR / "superset_config.py"), KANSRIJK_BI_STATE=str(state),
               FLASK_APP="superset", PYTHONUNBUFFERED="1")
    return env


def _new_state(state: Path) -> None:
    state.mkdir(parents=True, exist_ok=True)
    for name, value in (("secret_key", secrets.token_hex(32)), ("admin_password", secrets.token_urlsafe(12))):
        f = state / name
        if not f.exists():
            f.write_text(value + "\n")
            f.chmod(0o600)


def ensure_env(log: Callable[[str], None] = print) -> Path:
    """Superset's environment with an empty, migrated metadata database; made when missing."""
    env = env_dir()
    with _locked(cache_root() / "superset.lock"):
        if (env / ".complete").exists():
            return env
        log(f"bi: creating Superset's environment in {env} (first time only: a few minutes, ~700 MB)")
        shutil.rmtree(env, ignore_errors=True)
        env.mkdir(parents=True)
        setup_log = env / "setup.log"
        uv = uv_command()
        _run(uv + ["venv", "--quiet", "--python", PYTHON, str(env / "venv")], setup_log, "environment (uv venv)")
        _run(uv + ["pip", "install", "--quiet", "--python", str(env / "venv" / "bin" / "python"),
                   "-r", str(REQUIREMENTS)], setup_log, "install (uv pip install)")
        template = env / "template"
        _new_state(template)
        superset = str(env / "venv" / "bin" / "superset")
        _run([superset, "db", "upgrade"], setup_log, "metadata migration (superset db upgrade)", _superset_env(template))
        _run([superset, "init"], setup_log, "role set-up (superset init)", _superset_env(template))
        (template / "secret_key").unlink()  # each state has its own
        (template / "admin_password").unlink()
        (env / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    return env


def prepare(s: settings_mod.Settings, state: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Environment + state + the serving copy imported; returns the state folder."""
    if not s.serving.exists():
        raise SettingError(f"SERVING={s.serving} does not exist yet: run `make run` first, then `make bi`.")
    env = ensure_env(log)
    state = state or state_dir(s)
    _new_state(state)
    if not (state / "superset.db").exists():
        shutil.copyfile(env / "template" / "superset.db", state / "superset.db")
    log(f"bi: importing {s.serving} (read-only) into Superset")
    _run([str(env / "venv" / "bin" / "python"), str(BI_DIR / "setup_superset.py"), "--serving", str(s.serving),
          "--admin-password-file", str(state / "admin_password")],
         state / "superset.log", "import (setup_superset.py)", _superset_env(state))
    return state


def start(state: Path, port: int) -> subprocess.Popen:
    """Superset's web server (gunicorn, one worker) on 127.0.0.1:port; returns once it is healthy."""
    env = env_dir()
    log = open(state / "superset.log", "a")  # noqa: SIM115 - the server writes it as long as it runs
    proc = subprocess.Popen(
        [str(env / "venv" / "bin" / "gunicorn"), "--workers", "1", "--threads", "8", "--timeout", "120",
         "--bind", f"127.0.0.1:{port}", "superset.app:create_app()"],
        stdout=log, stderr=subprocess.STDOUT, env=_superset_env(state))
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                if r.read().strip() == b"OK":
                    return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise BIError(f"Superset did not answer on 127.0.0.1:{port} within {START_TIMEOUT_S} s"
                          f" (exit code {proc.returncode}); see {state / 'superset.log'}.")
        time.sleep(1)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Start Apache Superset on the serving copy (read-only).")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = ap.parse_args(argv)
    try:
        s = settings_mod.check(settings_mod.load(), need_landing=False)
        state = prepare(s)
        proc = start(state, args.port)
    except (SettingError, BIError) as e:
        print(f"kansrijk: {e}", file=sys.stderr)
        return 1
    print(f"bi: Superset on http://127.0.0.1:{args.port}{DASHBOARD_PATH}  user admin, password in"
          f" {state / 'admin_password'}  (Ctrl-C stops it; log: {state / 'superset.log'})")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a stopped `make bi` stops Superset too
    try:
        return proc.wait()
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())
