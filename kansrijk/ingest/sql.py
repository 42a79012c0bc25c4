"""SQL quoting shared by the ingest modules: an identifier and a string literal."""

from __future__ import annotations


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
