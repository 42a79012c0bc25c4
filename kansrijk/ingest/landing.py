"""The landing folder: delivery names (``valid_delivery``), discovery of
``<landing>/<delivery>/<table>.<csv|parquet>`` in delivery-name order, and file checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kansrijk import contract

DELIVERY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{4})?$")
EXTENSIONS = ("csv", "parquet")
CHUNK = 16 * 1024 * 1024


@dataclass
class LandingFile:
    path: Path
    delivery: str
    name: str
    table: str | None
    ext: str
    rejection: str | None = None  # set for a path that must not be read

    @property
    def rel(self) -> str:
        return f"{self.delivery}/{self.name}"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def valid_delivery(name: str) -> bool:
    if not DELIVERY_RE.match(name):
        return False
    try:
        dt.datetime.strptime(name, "%Y-%m-%dT%H%M" if "T" in name else "%Y-%m-%d")
        return True
    except ValueError:
        return False


def discover(landing: Path, warnings: list[str], manifests: dict[str, Path] | None = None) -> list[LandingFile]:
    """The landing files in delivery-name order; odd folders and files become warnings.

    A delivery's ``_manifest.csv`` is never a table file: its path goes into ``manifests`` (by delivery).
    """
    files: list[LandingFile] = []
    for entry in sorted(landing.iterdir(), key=lambda p: p.name):
        if not entry.is_dir():
            warnings.append(f"{entry.name} in the landing folder is not a delivery folder and was left alone.")
            continue
        if not valid_delivery(entry.name):
            warnings.append(f"Folder {entry.name} is not a delivery name (YYYY-MM-DD or YYYY-MM-DDTHHMM) and was skipped.")
            continue
        if not _inside(entry, landing):
            warnings.append(f"Delivery folder {entry.name} points outside the landing folder and was skipped.")
            continue
        for f in sorted(entry.iterdir(), key=lambda p: p.name):
            stem, dot, ext = f.name.rpartition(".")
            ext = ext.lower()
            if f"{stem}.{ext}" == contract.MANIFEST and not f.is_dir():
                if manifests is not None:
                    manifests[entry.name] = f
                continue
            if ".." in f.name or not _inside(f, landing):
                why = "contains '..'" if ".." in f.name else "points outside the landing folder"
                files.append(LandingFile(f, entry.name, f.name, stem if stem in contract.TABLES else None, ext,
                                         f"file name {why}; the file was rejected unread"))
                continue
            if f.is_dir():
                warnings.append(f"{entry.name}/{f.name} is a folder inside a delivery and was left alone.")
                continue
            if not dot or ext not in EXTENSIONS:
                warnings.append(f"{entry.name}/{f.name} has an unknown extension (expected .csv or .parquet) and was left alone.")
                continue
            if stem not in contract.TABLES:
                warnings.append(f"{entry.name}/{f.name} is not a contract table and was left alone.")
                continue
            files.append(LandingFile(f, entry.name, f.name, stem, ext))
    return files


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_background(path: Path) -> Future:
    """sha256 of ``path`` in a thread of its own (hashlib and DuckDB both release the GIL).

    For a file that cannot be a duplicate (no ``loaded`` ledger row for its path): its checksum is
    then only needed for its ledger row, so it is computed while DuckDB reads the file.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kansrijk-sha256")
    try:
        return pool.submit(sha256, path)
    finally:
        pool.shutdown(wait=False)
