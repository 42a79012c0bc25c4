"""Great Expectations suites per contract table, run inside DuckDB.

:func:`build_suite` turns one ``contract.Table`` into a GX expectation suite
(columns present, column types, key not null and unique, accepted values,
ranges, dates not in the future, non-nullable columns not null).
:class:`Validator` runs such a suite through a GX SQL data source on the
warehouse file (duckdb-engine), so the data never leaves DuckDB, and returns a
:class:`ValidationResult` with one :class:`Failure` per failed rule.

:meth:`Validator.check` runs the same rules first as ONE aggregate query on the ingest's own
connection (:func:`rule_sql` mirrors :func:`build_suite` rule by rule, and counts the distinct key
hashes): most files are clean, and for them this is the whole validation, so neither Great
Expectations (slow to import, ~0.3 s of Python per suite run) nor a view for its connections is
needed. A file the check flags is validated by the GX suite, which is the gate and writes the
quarantine message (rule, column, count, examples); the check only ever sends a file to GX, never
past it. ``tests/test_ingest_fast.py`` proves the check flags a violation of every expectation of
every table's suite.

GX state lives in an ephemeral (in-memory) context: nothing is written to the
repository. :meth:`Validator.build_docs` writes the HTML data docs of the
validations run by this validator to ``settings.gx_docs_dir``
(``<DATA_DIR>/gx_docs/index.html``); ingest calls it once per run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kansrijk import contract
from kansrijk.ingest.sql import _lit, _q
from kansrijk.settings import REPO_ROOT

# Great Expectations (and SQLAlchemy) are imported where a suite is built or run, not here: a run
# whose files are all clean never needs them (Validator.check), and GX takes seconds to import.
if TYPE_CHECKING:
    import great_expectations as gx

# The SQL type names GX observes through duckdb-engine for each contract type
# (GX reports DECIMAL as NUMERIC, VARCHAR as String, BIGINT as BigInteger).
GX_TYPES: dict[str, list[str]] = {
    "string": ["VARCHAR", "String", "STRING"],
    "int": ["BIGINT", "BigInteger", "INTEGER"],
    "decimal": ["NUMERIC", "DECIMAL"],
    "date": ["DATE", "Date"],
    "timestamp": ["TIMESTAMP", "DateTime", "DATETIME"],
    "bool": ["BOOLEAN", "Boolean"],
}
MAX_EXAMPLES = 3
DATASOURCE = "kansrijk_warehouse"
# EUR per unit of another currency, per month (dbt seed; the staging models convert with it)
CURRENCY_RATES = REPO_ROOT / "seeds" / "currency_rates.csv"


@dataclass(frozen=True)
class Failure:
    """One failed rule: ``column`` fails ``rule`` on ``unexpected_count`` rows."""

    rule: str
    column: str | None
    unexpected_count: int | None
    examples: tuple[str, ...] = ()
    expectation: str = ""

    def describe(self) -> str:
        """``column x fails 'rule' on N rows, e.g. a, b, c`` (no file prefix)."""
        what = f"column {self.column}" if self.column else "table"
        text = f"{what} fails '{self.rule}'"
        if self.unexpected_count is not None:
            text += f" on {self.unexpected_count} row{'s' if self.unexpected_count != 1 else ''}"
        if self.examples:
            text += ", e.g. " + ", ".join(self.examples)
        return text


@dataclass
class ValidationResult:
    table: str
    success: bool
    rows: int
    seconds: float
    failures: list[Failure] = field(default_factory=list)

    def describe(self) -> str:
        return "; ".join(f.describe() for f in self.failures)


def _rule(column: str | None, rule: str) -> dict[str, Any]:
    return {"kansrijk_rule": rule, "kansrijk_column": column}


def _between_rule(lo: Any, hi: Any) -> str:
    if lo is not None and hi is not None:
        return f"between {_fmt(lo)} and {_fmt(hi)}"
    if lo is not None:
        return f">= {_fmt(lo)}"
    return f"<= {_fmt(hi)}"


def _latest(today: dt.date) -> tuple[dt.date, dt.datetime]:
    """The latest date and timestamp a not-future column may hold: today + 1 day (time zones)."""
    latest_date = today + dt.timedelta(days=1)
    return latest_date, dt.datetime.combine(latest_date, dt.time(23, 59, 59))


def build_suite(table: contract.Table, today: dt.date | None = None, *, unique: bool = True) -> gx.ExpectationSuite:
    """The GX expectation suite for one contract table (dates judged against ``today``).

    ``unique=False`` leaves out the key-uniqueness expectation: the variant :meth:`Validator.validate`
    runs once the caller's own cheap aggregate found no duplicate key (see ``key_checked``).
    :func:`rule_sql` is the same rules in SQL: a rule added here must be added there.
    """
    import great_expectations as gx
    import great_expectations.expectations as gxe

    today = today or dt.date.today()
    latest_date, latest_ts = _latest(today)
    suite = gx.ExpectationSuite(name=f"contract_{table.name}" + ("" if unique else "_key_prechecked"))
    add = suite.add_expectation
    for col in table.columns:
        add(gxe.ExpectColumnToExist(column=col.name, meta=_rule(col.name, "column present")))
    for col in table.columns:
        add(gxe.ExpectColumnValuesToBeInTypeList(
            column=col.name, type_list=GX_TYPES[col.type],
            meta=_rule(col.name, f"of type {contract.duckdb_type(col.type)}"),
        ))
    not_null = list(dict.fromkeys([*table.key, *(c.name for c in table.columns if not c.nullable)]))
    for name in not_null:
        add(gxe.ExpectColumnValuesToNotBeNull(column=name, meta=_rule(name, "not null")))
    if unique and len(table.key) == 1:
        add(gxe.ExpectColumnValuesToBeUnique(column=table.key[0], meta=_rule(table.key[0], "unique key")))
    elif unique:
        add(gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(table.key),
            meta=_rule(", ".join(table.key), f"unique key ({', '.join(table.key)})"),
        ))
    for col in table.columns:
        if col.accepted:
            add(gxe.ExpectColumnValuesToBeInSet(
                column=col.name, value_set=list(col.accepted),
                meta=_rule(col.name, "in {" + ", ".join(col.accepted) + "}"),
            ))
        if col.min is not None or col.max is not None:
            add(gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=col.min, max_value=col.max,
                meta=_rule(col.name, _between_rule(col.min, col.max)),
            ))
        if col.not_future:
            hi: Any = latest_ts if col.type == "timestamp" else latest_date
            add(gxe.ExpectColumnValuesToBeBetween(
                column=col.name, max_value=hi,
                meta=_rule(col.name, f"not after {latest_date.isoformat()} (today + 1 day)"),
            ))
    return suite


def _sql_value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP {_lit(value.isoformat(sep=' '))}"
    if isinstance(value, dt.date):
        return f"DATE {_lit(value.isoformat())}"
    return str(value) if isinstance(value, (int, float, Decimal)) else _lit(str(value))


def rule_sql(table: contract.Table, today: dt.date) -> list[tuple[str, str, str]]:
    """The row rules of :func:`build_suite` in SQL: (column, rule, condition true on a row that breaks it).

    One entry per row expectation of the suite, named by the same ``kansrijk_rule`` as its GX
    expectation, and judged as GX judges it: not null on the key and the non-nullable columns; for the
    other rules a null is no violation; in-set is an exact match; ranges are inclusive; not-future
    against today + 1 day. Column presence and types are checked by :meth:`Validator.check` on the
    staged table's catalog, key uniqueness by a count of distinct key hashes.
    """
    latest_date, latest_ts = _latest(today)
    rules = []
    not_null = list(dict.fromkeys([*table.key, *(c.name for c in table.columns if not c.nullable)]))
    for name in not_null:
        rules.append((name, "not null", f"{_q(name)} IS NULL"))
    for col in table.columns:
        q = _q(col.name)
        if col.accepted:
            rules.append((col.name, "in {" + ", ".join(col.accepted) + "}",
                          f"{q} NOT IN ({', '.join(_lit(v) for v in col.accepted)})"))
        if col.min is not None or col.max is not None:
            out = [f"{q} < {_sql_value(col.min)}"] if col.min is not None else []
            out += [f"{q} > {_sql_value(col.max)}"] if col.max is not None else []
            rules.append((col.name, _between_rule(col.min, col.max), " OR ".join(out)))
        if col.not_future:
            hi = latest_ts if col.type == "timestamp" else latest_date
            rules.append((col.name, f"not after {latest_date.isoformat()} (today + 1 day)", f"{q} > {_sql_value(hi)}"))
    return rules


@dataclass
class CheckResult:
    """:meth:`Validator.check` of a staged file: ``clean`` = every rule holds and every key is unique."""

    rows: int
    duplicate_keys: bool  # fewer distinct key hashes than rows: a duplicate key (or, rarely, a collision)
    broken: list[tuple[str, str]]  # (column, rule) some row breaks, as GX names it; a missing or mistyped column
    seconds: float

    @property
    def clean(self) -> bool:
        return not self.duplicate_keys and not self.broken


def _fmt(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()) + ")"
    return str(value)


def _examples(values: list[Any] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values or []:
        seen.setdefault(_fmt(v), None)
        if len(seen) == MAX_EXAMPLES:
            break
    return tuple(seen)


def _quiet_gx() -> None:
    for name in ("great_expectations", "great_expectations.execution_engine", "great_expectations.expectations"):
        logging.getLogger(name).setLevel(logging.ERROR)


class Validator:
    """One GX context and SQL data source on the warehouse file, reused for every file of a run.

    The warehouse must be opened by the caller with :func:`kansrijk.gx_duckdb.connect` or
    :func:`kansrijk.ingest.raw.connect` (same DuckDB configuration as duckdb-engine), and tables to validate must be
    committed so that GX's own connections see them.
    """

    def __init__(self, warehouse: Path, docs_dir: Path | None = None, today: dt.date | None = None) -> None:
        self.warehouse = warehouse
        self.today = today or dt.date.today()
        self.docs_dir = docs_dir
        self._context = None  # the GX context and data source, made on the first GX run (_gx)
        self._definitions: dict[tuple[str, str, str, bool], Any] = {}
        self._batches: dict[str, Any] = {}
        self.validated = 0

    @property
    def context(self) -> Any:
        return self._gx()[0]

    @property
    def datasource(self) -> Any:
        return self._gx()[1]

    def _gx(self) -> tuple[Any, Any]:
        """The ephemeral GX context and its SQL data source on the warehouse, made once."""
        if self._context is not None:
            return self._context
        import great_expectations as gx
        from sqlalchemy.pool import NullPool

        from kansrijk import gx_duckdb

        gx_duckdb.install()
        _quiet_gx()
        context = gx.get_context(mode="ephemeral")
        try:
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context.variables.progress_bars = ProgressBarsConfig(globally=False)
        except Exception:  # progress bars are cosmetic; an older GX may lack the setting
            pass
        if self.docs_dir is not None:
            context.add_data_docs_site(
                site_name="kansrijk_local",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        # NullPool: GX closes each DuckDB connection when it hands it back, so no pooled
        # connection keeps the warehouse file locked after validation (dbt runs next).
        datasource = context.data_sources.add_sql(
            name=DATASOURCE, connection_string=gx_duckdb.url(self.warehouse), kwargs={"poolclass": NullPool}
        )
        self._context = (context, datasource)
        return self._context

    def check(self, con: Any, contract_table: str, relation: str, catalog: tuple[str, str, str]) -> CheckResult:
        """Every rule of the table's suite in ONE aggregate over ``relation`` on the caller's connection.

        ``catalog`` = (database, schema, table) of ``relation``: its column names and types must be the
        contract's. ``clean`` means GX would pass the file; anything else (a broken rule, a type, a
        duplicate key hash) is for :meth:`validate` to judge and describe.
        """
        t0 = time.perf_counter()
        table = contract.TABLES[contract_table]
        found = dict(con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ?", list(catalog)).fetchall())
        broken = [(c.name, f"of type {contract.duckdb_type(c.type)}") for c in table.columns
                  if (found.get(c.name) or "").replace(" ", "").upper() != contract.duckdb_type(c.type).replace(" ", "")]
        if broken:  # a column missing or of another type: GX reports it (and the rules need the column)
            return CheckResult(0, False, broken, time.perf_counter() - t0)
        rules = rule_sql(table, self.today)
        key = ", ".join(_q(k) for k in table.key)
        aggs = ["count(*)", f"count(DISTINCT hash({key}))"] + [f"count(*) FILTER (WHERE {cond})" for _, _, cond in rules]
        counts = con.execute(f"SELECT {', '.join(aggs)} FROM {relation}").fetchone()
        rows = int(counts[0])
        broken = [(column, rule) for (column, rule, _), n in zip(rules, counts[2:]) if n]
        return CheckResult(rows, int(counts[1]) != rows, broken, time.perf_counter() - t0)

    def _definition(self, contract_table: str, schema: str, table: str, unique: bool = True) -> Any:
        import great_expectations as gx

        key = (contract_table, schema, table, unique)
        if key not in self._definitions:
            asset_name = f"{schema}.{table}"
            if asset_name not in self._batches:
                asset = self.datasource.add_table_asset(name=asset_name, table_name=table, schema_name=schema)
                self._batches[asset_name] = asset.add_batch_definition_whole_table(f"{asset_name}:all")
            suite = self.context.suites.add(build_suite(contract.TABLES[contract_table], self.today, unique=unique))
            vd = gx.ValidationDefinition(name=f"{asset_name}:{suite.name}", data=self._batches[asset_name], suite=suite)
            self._definitions[key] = self.context.validation_definitions.add(vd)
        return self._definitions[key]

    def validate(self, contract_table: str, schema: str, table: str | None = None, rows: int = 0,
                 key_checked: bool = False) -> ValidationResult:
        """Validate ``schema.table`` (default: the contract table's name) against its contract suite.

        ``key_checked=True``: the caller has verified with its own aggregate that the key holds
        no duplicate (:meth:`check`), so GX's costly uniqueness expectation (a
        count distinct over the compound key) is left out of this run. GX stays the gate: the
        suite keeps the expectation and every file with a duplicate key runs it (count, examples).
        """
        t0 = time.perf_counter()
        vd = self._definition(contract_table, schema, table or contract_table, unique=not key_checked)
        # First pass BOOLEAN_ONLY: GX then skips the example queries (on a compound key these
        # cost as much as the check itself). Only a failing suite is re-run for counts and examples.
        res = vd.run(result_format={"result_format": "BOOLEAN_ONLY"})
        if not res.success:
            res = vd.run(result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20})
        failures: list[Failure] = []
        for r in res.results:
            if r.success:
                continue
            cfg = r.expectation_config
            meta = cfg.meta or {}
            column = meta.get("kansrijk_column", cfg.kwargs.get("column"))
            rule = meta.get("kansrijk_rule", cfg.type)
            info = r.exception_info or {}
            if info.get("raised_exception"):
                failures.append(Failure(f"{rule} (GX error: {info.get('exception_message')})", column, None, (), cfg.type))
                continue
            result = r.result or {}
            count = result.get("unexpected_count")
            examples = _examples(result.get("partial_unexpected_list"))
            if not examples and "observed_value" in result:
                examples = (f"found {_fmt(result['observed_value'])}",)
            failures.append(Failure(rule, column, count, examples, cfg.type))
        self.validated += 1
        return ValidationResult(contract_table, not failures, rows, time.perf_counter() - t0, failures)

    def build_docs(self) -> Path | None:
        """Write the HTML data docs of this validator's runs; return the index page."""
        if self.docs_dir is None or not self.validated:
            return None
        self.context.build_data_docs(site_names=["kansrijk_local"])
        index = self.docs_dir / "index.html"
        return index if index.exists() else None

    def close(self) -> None:
        """Release GX's pooled DuckDB connections."""
        if self._context is None:
            return
        try:
            self.datasource.get_engine().dispose()
        except Exception:
            pass


def currency_problem(con: Any, relation: str, rates: Path = CURRENCY_RATES) -> str | None:
    """Why a typed ``erp_sales_invoices`` file cannot be loaded as to its currencies, or None.

    Money is EUR unless ``currency`` says otherwise; another currency is converted with
    seeds/currency_rates.csv (the rate for the month of the invoice date, else the currency's rate
    without a month), so an invoice whose currency has no such rate is never summed as EUR: the
    file is refused. ``relation`` is the staged file (``rowid`` + 1 = its row number); empty
    currency = EUR. The answer names the column, each currency with its rows and an example.
    """
    seed = str(rates).replace("'", "''")
    rate_rows = (f"select upper(trim(currency)) as currency, try_cast(nullif(trim(month), '') as date) as month "
                 f"from read_csv('{seed}', header = true, all_varchar = true)") if rates.is_file() else \
        "select cast(null as varchar) as currency, cast(null as date) as month where false"
    found = con.execute(f"""
        with rates as ({rate_rows}),
        invoices as (
            select rowid + 1 as row_no, invoice_id, invoice_date,
                   upper(coalesce(nullif(trim(currency), ''), 'EUR')) as code
            from {relation}
        ),
        missing as (
            select i.* from invoices as i
            where i.code <> 'EUR'
              and not exists (select 1 from rates as r where r.currency = i.code
                              and (r.month is null or r.month = date_trunc('month', i.invoice_date)))
        )
        select code, count(*) as n, min(row_no) as first_row,
               arg_min(invoice_id, row_no) as invoice_id, arg_min(invoice_date, row_no) as invoice_date
        from missing group by code order by n desc, code
    """).fetchall()
    if not found:
        return None
    parts = [f"{code} on {n} row{'s' if n != 1 else ''} (e.g. row {row}: invoice {inv} of {_fmt(day)})"
             for code, n, row, inv, day in found]
    return ("column currency holds " + ", ".join(parts) + f", with no rate to EUR for the invoice month in "
            f"seeds/{rates.name}; amounts in another currency are converted, never counted as EUR: add the "
            "currency's rates (currency,month,eur_per_unit) to the seed, or send the invoices in EUR")
