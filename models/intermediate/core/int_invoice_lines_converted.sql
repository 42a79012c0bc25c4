{#- One row per invoice line, money in EUR: unit_price, net_amount and cost_amount of an invoice in
    another currency are converted with its eur_rate (int_invoices_rated, seed currency_rates), net
    and cost rounded to the cent; EUR lines keep their amounts exactly. A line whose invoice has not
    arrived (an orphan) is taken as EUR, the contract's default. Every model takes revenue and cost
    of goods from here (through int_sales_lines), so none sums a foreign amount as EUR. A view: no
    data is copied, and loaded_at passes through for the incremental models. The SQL is macro
    invoice_lines_in_eur (macros/business_rules.sql), which int_sales_lines also calls on the
    invoices a daily run rebuilds. -#}
{{ config(materialized='view') }}
{{ invoice_lines_in_eur() }}
