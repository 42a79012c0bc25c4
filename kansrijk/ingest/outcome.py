"""What ingesting a file comes to: a ``Quarantine`` (the one-sentence reason a file is refused),
a ``FileOutcome`` per file and the run's ``IngestResult``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class Quarantine(Exception):
    """A file that breaks the contract; the message is one sentence for the error file."""


@dataclass
class FileOutcome:
    file: str  # path relative to the landing folder, e.g. 2026-10-01/erp_products.csv
    delivery: str
    table: str | None
    status: str  # loaded, skipped_duplicate, quarantined
    rows: int = 0
    message: str = ""
    validation_seconds: float = 0.0


@dataclass
class IngestResult:
    loaded: list[FileOutcome] = field(default_factory=list)
    skipped: list[FileOutcome] = field(default_factory=list)
    quarantined: list[FileOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    docs_index: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.quarantined

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.loaded)

    @property
    def validation_seconds_per_million(self) -> float | None:
        validated = [f for f in self.loaded + self.quarantined if f.validation_seconds]
        rows = sum(f.rows for f in validated)
        if not rows:
            return None
        return sum(f.validation_seconds for f in validated) / rows * 1_000_000

    def summary(self) -> str:
        lines = [
            f"ingest: {len(self.loaded)} file(s) loaded ({self.rows_loaded} rows), "
            f"{len(self.skipped)} skipped as already loaded, {len(self.quarantined)} quarantined, "
            f"{len(self.warnings)} warning(s) in {self.seconds:.1f} s."
        ]
        per_m = self.validation_seconds_per_million
        if per_m is not None:
            lines.append(f"validation: {per_m:.2f} s per million rows.")
        if self.docs_index:
            lines.append(f"data docs: {self.docs_index}")
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"quarantined: {q.message}" for q in self.quarantined]
        return "\n".join(lines)
