"""Make Great Expectations 1.x SQL data sources work on DuckDB.

GX's ``SqlAlchemyExecutionEngine.execute_query`` executes a query inside
``with self.get_connection() as connection:`` and returns the *unfetched*
cursor result after the block has handed the pooled connection back. DuckDB
drops a pending result set when its connection is reused or reset, so every
metric GX computes comes back empty (expectations fail with no counts). See
GX issues #10738 and #11579:
https://github.com/great-expectations/great_expectations/issues/10738
https://github.com/great-expectations/great_expectations/issues/11579

The fix fetches the rows while the connection is still checked out:
``connection.execute(query).freeze()()`` returns a buffered result that GX can
read after the connection is gone. Apply it with :func:`install` (idempotent).

:func:`connect` opens a DuckDB file with the same configuration duckdb-engine
uses, so a plain ``duckdb`` connection and GX's SQLAlchemy engine can share one
database file in one process (DuckDB refuses a second connection to the same
file with a different configuration).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy
from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

_ORIGINAL = SqlAlchemyExecutionEngine.execute_query


def _execute_query_fetched(self: SqlAlchemyExecutionEngine, query: Any) -> Any:
    """Run the query and fetch its rows before the connection goes back to the pool.

    Works around GX #10738 / #11579: DuckDB discards an unfetched result set once
    GX returns the pooled connection, so the original method yields empty metrics.
    """
    with self.get_connection() as connection:
        return connection.execute(query).freeze()()


def install() -> None:
    """Patch ``SqlAlchemyExecutionEngine.execute_query`` (safe to call more than once)."""
    if SqlAlchemyExecutionEngine.execute_query is not _execute_query_fetched:
        SqlAlchemyExecutionEngine.execute_query = _execute_query_fetched  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore GX's original ``execute_query`` (for tests)."""
    SqlAlchemyExecutionEngine.execute_query = _ORIGINAL  # type: ignore[method-assign]


def is_installed() -> bool:
    return SqlAlchemyExecutionEngine.execute_query is _execute_query_fetched


def engine_config() -> dict[str, str]:
    """The DuckDB config duckdb-engine passes to ``duckdb.connect`` for a plain URL."""
    import duckdb_engine

    return {"custom_user_agent": f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sqlalchemy.__version__})"}


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file so that a duckdb-engine engine in this process can open it too."""
    return duckdb.connect(str(path), config=engine_config())


def url(path: Path | str) -> str:
    """SQLAlchemy URL of a DuckDB file for duckdb-engine."""
    return f"duckdb:///{Path(path).resolve()}"
