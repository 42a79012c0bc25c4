"""`make cdnow CDNOW=<file>`: a CDNOW-format transaction log through the whole refresh.

Converts the log into a landing set (kansrijk.cdnow) under `<data dir>/cdnow/landing` and
runs the normal refresh there with the calibration window of the published benchmark
(Fader, Hardie and Lee 2005): calibration to 1997-09-30, holdout to 1998-06-30. The
results live in their own data directory (`<data dir>/cdnow/`), so the demo's serving
copy is not replaced.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kansrijk import settings as settings_mod

# Judge lifecycle and cohorts at the calibration end too, as the published benchmark does.
CDNOW_VARS = {"as_of_date": "1997-09-30", "clv_calibration_end": "1997-09-30", "clv_holdout_end": "1998-06-30"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m kansrijk.cdnow_run <CDNOW file>", file=sys.stderr)
        return 2
    source = Path(argv[0]).expanduser().resolve()
    if not source.is_file():
        print(f"kansrijk: CDNOW={source} is not a file: point CDNOW at a CDNOW-format transaction log.", file=sys.stderr)
        return 1
    base = settings_mod.load()
    landing = base.data_dir / "cdnow" / "landing"

    from kansrijk import cdnow
    from kansrijk.refresh import RefreshError, refresh

    try:
        # its own data directory: the company's warehouse and serving copy are not touched
        s = settings_mod.check(settings_mod.load(data_dir=base.data_dir / "cdnow", landing=landing, warehouse=None,
                                                 serving=None, quarantine=None, temp_directory=None),
                               need_landing=False)
        shutil.rmtree(landing, ignore_errors=True)
        counts = cdnow.convert(source, landing)
        print(f"kansrijk: {source.name} converted to {landing}: {counts}")
        res = refresh(s, dbt_vars=CDNOW_VARS)
    except (settings_mod.SettingError, RefreshError) as e:
        print(f"kansrijk: {e}", file=sys.stderr)
        return 1
    for w in res.warnings:
        print(f"kansrijk: warning: {w}")
    print(f"kansrijk: CDNOW published to {s.serving} (see marts.clv_model_fit).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
