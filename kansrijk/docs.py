"""The dbt documentation site: `python -m kansrijk.docs` (`make docs`).

Runs `dbt docs generate` against the working warehouse (the catalog reads column types and
row counts from it) into a target folder of its own, then copies the static site
(`index.html`, `manifest.json`, `catalog.json`) to `<data dir>/docs/`. Open
`<data dir>/docs/index.html` in a browser, or serve the folder with any static web server.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from kansrijk import settings as settings_mod
from kansrijk.dbt_cli import run_dbt
from kansrijk.runtime import RefreshError
from kansrijk.settings import Settings, SettingError

SITE_FILES = ("index.html", "manifest.json", "catalog.json")


class DocsError(Exception):
    """The docs site could not be written; the message says what to do."""


def write_docs(settings: Settings | None = None, *, quiet: bool = True) -> Path:
    """Generate the dbt docs site into `<data dir>/docs/`; return the folder."""
    s = settings or settings_mod.load()
    if not s.warehouse.exists():
        raise DocsError(f"No warehouse at {s.warehouse}: run `make run` first, the docs catalog is read from it.")
    target = s.data_dir / "docs_target"  # its own, so the docs never overwrite a running build's artifacts
    try:
        run_dbt(s, "docs", "generate", quiet=quiet, target_path=target, left_alone="the docs folder was left as it was")
    except RefreshError as e:
        raise DocsError(str(e)) from None
    missing = [f for f in SITE_FILES if not (target / f).exists()]
    if missing:
        raise DocsError(f"dbt docs generate wrote no {', '.join(missing)} in {target}: check the dbt version.")
    dest = s.docs_dir
    dest.mkdir(parents=True, exist_ok=True)
    for f in SITE_FILES:
        shutil.copy2(target / f, dest / f)
    return dest


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    try:
        dest = write_docs(settings_mod.load(), quiet=False)
    except (SettingError, DocsError) as e:
        print(f"kansrijk: {e}", file=sys.stderr)
        return 1
    print(f"kansrijk: wrote the dbt docs site to {dest / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
