"""The landing contract (../shared/landing-contract.md v1) as data.

One place for table names, keys, column types, enumerations and ranges. Ingest,
validation, the demo generator and the raw schema all read it from here.

Types are contract types, not DuckDB types: ``string``, ``int``, ``decimal``,
``date``, ``timestamp``, ``bool``. :func:`duckdb_type` maps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,4)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}


def duckdb_type(contract_type: str) -> str:
    return DUCKDB_TYPES[contract_type]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    accepted: tuple[str, ...] | None = None  # enumerations from the contract
    min: float | None = None
    max: float | None = None
    not_future: bool = False  # dates and timestamps that cannot lie in the future
    # An optional column (contract v1.1 additions such as erp_products.lead_time_days): a file whose
    # header lacks it still loads, the column then null. Files written before the addition stay valid.
    optional: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    source: str  # "erp" or "crm"
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    snapshot: bool = False  # master data: full snapshot; otherwise a delta
    meta: dict = field(default_factory=dict)
    # The column a delivery manifest's amount_total sums (contract v1.1, see MANIFEST); None: no
    # amount total is checked for this table, only its row count.
    amount_column: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, type_: str = "string", **kw) -> Column:
    return Column(name, type_, **kw)


def _key(name: str) -> Column:
    return Column(name, "string", nullable=False)


CHANNELS = ("web", "edi", "email", "phone", "field")
ACTIVITY_TYPES = ("call", "visit", "meeting", "email", "demo")
OUTCOMES = ("no_contact", "contact", "appointment", "quote_requested")
STAGES = ("open", "won", "lost")
LOST_REASONS = ("price", "competitor", "no_decision", "timing", "other")
CASE_CATEGORIES = ("question", "complaint", "return", "invoice_dispute", "delivery_issue")
RESPONSES = ("none", "opened", "clicked", "replied", "inbound_request")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "erp_customers", "erp", ("customer_id",), snapshot=True,
            columns=(
                _key("customer_id"), _c("customer_name"), _c("coc_number"),
                _c("industry_code"), _c("employee_count", "int", min=0),
                _c("country"), _c("postcode"), _c("created_date", "date", not_future=True),
                _c("account_manager"), _c("payment_terms_days", "int", min=0, max=365),
                _c("credit_limit", "decimal", min=0), _c("is_blocked", "bool"),
            ),
        ),
        Table(
            "erp_products", "erp", ("product_id",), snapshot=True,
            columns=(
                _key("product_id"), _c("product_name"), _c("product_group"),
                _c("unit_cost", "decimal", min=0), _c("list_price", "decimal", min=0),
                _c("is_active", "bool"),
                # contract v1.1 (optional): replenishment lead time, days; null or absent: var stock_default_lead_time_days
                _c("lead_time_days", "int", min=0, max=730, optional=True),
            ),
        ),
        Table(
            "erp_sales_invoices", "erp", ("invoice_id",),
            columns=(
                _key("invoice_id"), _c("customer_id", nullable=False),
                _c("invoice_date", "date", nullable=False, not_future=True), _c("due_date", "date"),
                _c("currency"), _c("order_channel", accepted=CHANNELS),
                _c("is_credit_note", "bool"), _c("sales_rep"),
            ),
        ),
        Table(
            "erp_sales_invoice_lines", "erp", ("invoice_id", "line_no"), amount_column="net_amount",
            columns=(
                _key("invoice_id"), Column("line_no", "int", nullable=False),
                _c("product_id"), _c("quantity", "decimal"), _c("unit_price", "decimal"),
                _c("discount_pct", "decimal", min=0, max=100),
                _c("net_amount", "decimal"), _c("cost_amount", "decimal"),
            ),
        ),
        Table(
            "erp_payments", "erp", ("payment_id",), amount_column="amount",
            columns=(
                _key("payment_id"), _c("invoice_id"),
                _c("payment_date", "date", not_future=True), _c("amount", "decimal"),
            ),
        ),
        Table(
            "erp_shipments", "erp", ("shipment_id",), amount_column="freight_cost",
            columns=(
                _key("shipment_id"), _c("invoice_id"), _c("customer_id"),
                _c("ship_date", "date", not_future=True), _c("package_count", "int", min=0),
                _c("is_express", "bool"), _c("freight_cost", "decimal", min=0),
            ),
        ),
        Table(
            "erp_gl_entries", "erp", ("entry_id",), amount_column="amount",
            columns=(
                _key("entry_id"), _c("posting_date", "date", nullable=False, not_future=True),
                _c("gl_account"), _c("gl_account_name"), _c("cost_center"),
                _c("amount", "decimal", nullable=False), _c("customer_id"), _c("description"),
            ),
        ),
        # contract v1.1 (optional table): stock per product and warehouse at the delivery date. A
        # landing set without it builds every mart; the stock columns of the stock marts stay null.
        Table(
            "erp_stock_levels", "erp", ("product_id", "warehouse_id"), snapshot=True,
            columns=(
                _key("product_id"), _key("warehouse_id"),
                _c("on_hand_qty", "decimal", nullable=False),
                _c("on_order_qty", "decimal", min=0),
                _c("unit_cost", "decimal", min=0),
            ),
        ),
        Table(
            "crm_accounts", "crm", ("account_id",), snapshot=True,
            columns=(
                _key("account_id"), _c("erp_customer_id"), _c("account_name"), _c("coc_number"),
                _c("industry_code"), _c("employee_count", "int", min=0), _c("country"),
                _c("postcode"), _c("lead_source"), _c("owner"),
                _c("created_date", "date", not_future=True),
            ),
        ),
        Table(
            "crm_activities", "crm", ("activity_id",),
            columns=(
                _key("activity_id"), _c("account_id"), _c("activity_type", accepted=ACTIVITY_TYPES),
                _c("activity_date", "date", not_future=True), _c("duration_minutes", "int", min=0),
                _c("owner"), _c("outcome", accepted=OUTCOMES),
            ),
        ),
        Table(
            "crm_opportunities", "crm", ("opportunity_id",), amount_column="amount",
            columns=(
                _key("opportunity_id"), _c("account_id"),
                _c("created_date", "date", not_future=True), _c("quote_date", "date"),
                _c("close_date", "date"), _c("stage", accepted=STAGES),
                _c("amount", "decimal", min=0), _c("product_group"),
                _c("lost_reason", accepted=LOST_REASONS), _c("competitor"),
            ),
        ),
        Table(
            "crm_service_cases", "crm", ("case_id",),
            columns=(
                _key("case_id"), _c("account_id"), _c("opened_at", "timestamp", not_future=True),
                _c("closed_at", "timestamp"), _c("category", accepted=CASE_CATEGORIES),
                _c("handling_minutes", "int", min=0),
            ),
        ),
        Table(
            "crm_campaigns", "crm", ("campaign_id",), snapshot=True, amount_column="total_cost",
            columns=(
                _key("campaign_id"), _c("campaign_name"), _c("channel"),
                _c("start_date", "date"), _c("total_cost", "decimal", min=0),
            ),
        ),
        Table(
            "crm_campaign_touches", "crm", ("touch_id",),
            columns=(
                _key("touch_id"), _c("campaign_id"), _c("account_id"),
                _c("touch_date", "date", not_future=True), _c("response", accepted=RESPONSES),
            ),
        ),
    ]
}

# The optional delivery manifest (contract v1.1): control totals per file of a delivery, see docs/landing.md.
MANIFEST = "_manifest.csv"

# Lineage columns that ingest adds to every raw table (additive to the contract).
LINEAGE_COLUMNS = {
    "_delivery": "VARCHAR",  # delivery folder name, e.g. 2026-10-01 or 2026-10-01T0930
    "_file": "VARCHAR",  # path of the landing file relative to the landing folder
    "_row": "BIGINT",  # 1-based row number in that file
    "_loaded_at": "TIMESTAMP",
    "_is_deleted": "BOOLEAN",  # snapshots: key missing from the latest snapshot
}
