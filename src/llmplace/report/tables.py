"""Every table of the report, built once as a :class:`Table`; the HTML, Markdown and workbook writers only format them.

A table's cells are plain values (text, numbers, booleans or None). Tables of the optional sections
travel in the JSON report (``Table.model_dump()`` gives title, columns and rows, plus units, caption
and ``collapsed`` where set); the others are built here, from the report's content (and, for the
workbook's monthly sheets, from the result), for the formats that show them. The hints a format
reads (right-aligned columns, row classes, columns that cite sources, a layout key) stay out of
the JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from ..conventions import money_code, money_prefix
from .formatting import fmt_number, fmt_usd, pretty, short_label, units_text

if TYPE_CHECKING:  # the content models hold tables; tables are built from them
    from ..results import CompareResult, OptionResult
    from .model import ReportContent, SizingRow

__all__ = [
    "OPTION_COLUMNS",
    "option_columns",
    "Cell",
    "Table",
    "amortised_flows",
    "assumptions_table",
    "break_even_pairs",
    "break_even_table",
    "cash_flows",
    "catalog_table",
    "categories_by_option",
    "cell_text",
    "criteria_sources_table",
    "cumulative_table",
    "demand_by_month",
    "key_figures",
    "numeric_columns",
    "options_by_category",
    "options_table",
    "section_table",
    "sizing_grid",
    "sizing_notes",
    "sizing_table",
    "summary_facts",
    "workbook_assumptions",
    "workbook_catalog",
    "workbook_options",
    "workbook_sizing",
    "yearly_table",
]

Cell = str | bool | int | float | None


class Table(BaseModel):
    """A titled table: columns, rows of plain cells and, where given, each column's unit and a caption."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    units: list[str] | None = Field(default=None, description="one unit per column ('' where none), e.g. 'USD'")
    caption: str | None = None
    collapsed: bool = Field(default=False, description="shown folded away (long tables of reasons)")
    numeric: frozenset[int] = Field(default=frozenset(), exclude=True, description="columns aligned right")
    row_classes: list[str] = Field(default_factory=list, exclude=True, description="'best', 'off' or '' per row")
    source_columns: frozenset[int] = Field(default=frozenset(), exclude=True,
                                           description="columns that cite sources (their web addresses are links)")
    key: str = Field(default="", exclude=True, description="which table this is, for a format's column widths")

    @model_serializer(mode="wrap")
    def _json_shape(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name, unset in (("units", None), ("caption", None), ("collapsed", False)):
                if name in data and data[name] is unset:
                    del data[name]
        return data

    def text(self) -> list[list[str]]:
        """The rows as the text a reader sees (see :func:`cell_text`)."""
        return [[cell_text(v) for v in row] for row in self.rows]


def cell_text(v: Cell) -> str:
    """A cell as text: text as it is, numbers through :func:`fmt_number` ('-' for a missing value)."""
    return v if isinstance(v, str) else fmt_number(v)


def numeric_columns(columns: list[str], rows: list[list[Cell]]) -> frozenset[int]:
    """Columns whose every given cell is a number (booleans are not), in a table with rows."""
    if not rows:
        return frozenset()
    return frozenset(i for i in range(len(columns)) if all(
        isinstance(r[i], (int, float)) and not isinstance(r[i], bool) for r in rows if r[i] is not None))


def section_table(title: str, columns: list[str], rows: list[list[Cell]], collapsed: bool = False) -> Table:
    """A table of an optional section, its number columns aligned right."""
    return Table(title=title, columns=columns, rows=rows, collapsed=collapsed, numeric=numeric_columns(columns, rows))


# ---------------------------------------------------------------- summary and costs (HTML and Markdown)

OPTION_COLUMNS = ["option", "kind", "units at peak", "upfront", "TCO", "NPV", "$ per Mtok", "capacity from"]


def option_columns() -> list[str]:
    """:data:`OPTION_COLUMNS` (written for USD) with the current currency in the price column."""
    return [c.replace("$", money_prefix().strip()) for c in OPTION_COLUMNS]


def options_table(c: ReportContent) -> Table:
    """The options of the summary, cheapest first; the recommended row marked 'best' (the cheapest without a
    recommendation), infeasible ones 'off'."""
    rows: list[list[Cell]] = []
    classes: list[str] = []
    marked = "recommended" if any(o.recommended for o in c.options) else "cheapest"
    for o in c.options:
        if o.feasible:
            roles = [r for r, on in (("recommended", o.recommended), ("cheapest", o.cheapest),
                                     ("deprecated", o.deprecated)) if on]
            rows.append([o.label + (f" ({', '.join(roles)})" if roles else ""), o.kind,
                         units_text(o.peak_units, o.unit_kind), fmt_usd(o.upfront_usd), fmt_usd(o.tco_usd),
                         fmt_usd(o.npv_usd), fmt_usd(o.usd_per_mtok), o.capacity_from or "-"])
            classes.append("best" if getattr(o, marked) else "")
        else:
            rows.append([o.label, o.kind, "-", "-", "-", "-", "-", f"not eligible: {o.infeasible_reason}"])
            classes.append("off")
    return Table(title="Options", columns=option_columns(), rows=rows, numeric=frozenset({2, 3, 4, 5, 6}),
                 row_classes=classes, key="options")


def _money_columns(n: int, first: int = 1) -> frozenset[int]:
    return frozenset(range(first, first + n))


def cumulative_table(c: ReportContent) -> Table | None:
    """Cumulative cost of each feasible option at t = 0 and every six months (None without such options)."""
    cum = c.cumulative
    if not cum.rows:
        return None
    rows: list[list[Cell]] = [[r.label, *[fmt_usd(v) for v in r.usd]] for r in cum.rows]
    return Table(title="Cumulative cost at selected months (cash view)",
                 columns=["option", *[f"month {m}" for m in cum.months]], rows=rows,
                 numeric=_money_columns(len(cum.months)))


def break_even_table(c: ReportContent) -> Table | None:
    """The cash-view break-even months, earliest first (None when no two options cross)."""
    if not c.break_even:
        return None
    rows: list[list[Cell]] = [[f"{b.month:.1f}", b.sentence] for b in c.break_even]
    return Table(title="Break-even months (cash view)", columns=["month", "what happens"], rows=rows,
                 numeric=frozenset({0}))


def yearly_table(c: ReportContent) -> Table | None:
    """Cost of each year of the horizon per feasible option (None without such options)."""
    yr = c.yearly
    if not yr.rows:
        return None
    rows: list[list[Cell]] = [[r.label, *[fmt_usd(v) for v in r.usd]] for r in yr.rows]
    return Table(title="Cost by year (cash view)", columns=["option", *yr.years], rows=rows,
                 numeric=_money_columns(len(yr.years)))


CATEGORY_TITLE = "Total by category over the horizon (cash view)"


def categories_by_option(c: ReportContent) -> Table:
    """Totals by category: one row per category and the TCO, one column per feasible option."""
    t = c.tco_by_category
    rows: list[list[Cell]] = [
        [pretty(k), *[fmt_usd(r.by_category_usd[k]) if k in r.by_category_usd else "" for r in t.rows]]
        for k in t.categories]
    rows.append(["total (TCO)", *[fmt_usd(r.tco_usd) for r in t.rows]])
    return Table(title=CATEGORY_TITLE, columns=["category", *[short_label(r.label, 32) for r in t.rows]], rows=rows,
                 numeric=_money_columns(len(t.rows)), row_classes=[""] * len(t.categories) + ["best"])


def options_by_category(c: ReportContent) -> Table:
    """Totals by category: one row per feasible option, one column per category and the TCO."""
    t = c.tco_by_category
    rows: list[list[Cell]] = [
        [r.label, *[fmt_usd(r.by_category_usd[k]) if k in r.by_category_usd else "" for k in t.categories],
         fmt_usd(r.tco_usd)] for r in t.rows]
    return Table(title=CATEGORY_TITLE, columns=["option", *[pretty(k) for k in t.categories], "TCO"], rows=rows,
                 numeric=_money_columns(len(t.categories) + 1))


# ---------------------------------------------------------------- sizing (HTML and Markdown)


def _share(v: float | None) -> str:
    return f"{v:.0%}" if v is not None else "-"


def _units(v: int | None, r: SizingRow) -> str:
    return units_text(v, r.unit_kind) if v is not None else "-"


def _sizing_column(r: SizingRow) -> list[Cell]:
    return [fmt_number(r.gpu), fmt_number(r.gpus_per_replica), fmt_number(r.replicas_per_unit),
            _units(r.first_month_units, r), _units(r.peak_units, r), fmt_number(r.peak_gpus_in_use),
            fmt_number(r.output_tokens_per_s_per_replica, 0), fmt_number(r.peak_fleet_output_tokens_per_s, 0),
            _share(r.peak_utilisation), fmt_number(r.precision), fmt_number(r.engine), fmt_number(r.concurrency),
            fmt_number(r.ttft_ms, 0), fmt_number(r.tpot_ms, 1), fmt_number(r.weights_gib, 1),
            fmt_number(r.capacity_source)]


SIZING_FIELDS = ["GPU", "GPUs per replica", "replicas per unit", "units in month 1", "units at peak",
                 "GPUs in use at peak", "throughput per replica [output tokens/s]",
                 "fleet throughput at peak [output tokens/s]", "peak utilisation", "precision", "engine",
                 "concurrency per replica", "time to first token [ms]", "time per output token [ms]", "weights [GiB]",
                 "capacity from"]


def sizing_grid(c: ReportContent) -> Table:
    """Sizing with one column per in-house or cloud option and one row per figure."""
    columns = [_sizing_column(r) for r in c.sizing]
    rows: list[list[Cell]] = [[name, *[col[i] for col in columns]] for i, name in enumerate(SIZING_FIELDS)]
    return Table(title="Sizing", columns=["", *[short_label(r.label, 40) for r in c.sizing]], rows=rows,
                 key="sizing")


def sizing_notes(c: ReportContent) -> list[str]:
    """Why each sized option that cannot serve the workload cannot."""
    return [f"{r.label}: cannot serve the workload ({r.infeasible_reason})." for r in c.sizing if not r.feasible]


def sizing_table(c: ReportContent) -> Table:
    """Sizing with one row per in-house or cloud option and the main figures as columns."""
    rows: list[list[Cell]] = [
        [r.label, r.gpu or "-", fmt_number(r.gpus_per_replica), fmt_number(r.replicas_per_unit),
         _units(r.peak_units, r), fmt_number(r.peak_gpus_in_use), fmt_number(r.output_tokens_per_s_per_replica, 0),
         _share(r.peak_utilisation), fmt_number(r.ttft_ms, 0), fmt_number(r.tpot_ms, 1),
         r.capacity_source or (f"not eligible: {r.infeasible_reason}" if not r.feasible else "-")]
        for r in c.sizing]
    columns = ["option", "GPU", "GPUs/replica", "replicas/unit", "units at peak", "GPUs at peak",
               "output tok/s per replica", "peak utilisation", "TTFT ms", "TPOT ms", "capacity from"]
    return Table(title="Sizing", columns=columns, rows=rows, numeric=frozenset({2, 3, 5, 6, 7, 8, 9}), key="sizing")


# ---------------------------------------------------------------- assumptions and sources


def assumptions_table(c: ReportContent) -> Table:
    """Every assumption with the option it applies to, its value, unit, date and source."""
    labels = {o.id: o.label for o in c.options}
    rows: list[list[Cell]] = [[labels.get(a.scope, a.scope), a.name, fmt_number(a.value, 2), a.unit, a.as_of or "-",
                               a.source] for a in c.assumptions]
    return Table(title="Assumptions", columns=["applies to", "name", "value", "unit", "as of", "source"], rows=rows,
                 numeric=frozenset({2}), source_columns=frozenset({5}), key="assumptions")


def catalog_table(c: ReportContent) -> Table:
    """The catalog rows used, with the options that use each."""
    rows: list[list[Cell]] = [[r.catalog, r.id, r.as_of, ", ".join(r.used_by), r.source] for r in c.catalog_rows]
    return Table(title="Catalog rows used", columns=["catalog", "id", "as of", "used by", "source"], rows=rows,
                 source_columns=frozenset({4}), key="catalog_rows")


def criteria_sources_table(c: ReportContent) -> Table | None:
    """The data rows the criteria scores rest on (None when the criteria step did not run)."""
    if not c.criteria_sources:
        return None
    rows: list[list[Cell]] = [[r.table, r.key, r.as_of, r.source] for r in c.criteria_sources]
    return Table(title="Data rows behind the criteria scores", columns=["table", "key", "as of", "source"], rows=rows,
                 source_columns=frozenset({3}), key="criteria_sources")


# ---------------------------------------------------------------- the workbook: raw values, money in its currency


def _usd(columns: list[str], money: set[int]) -> list[str]:
    return [money_code() if i in money else "" for i in range(len(columns))]


def summary_facts(result: CompareResult, c: ReportContent) -> Table:
    """The workbook's first lines: scenario, conventions, the cheapest option and the summary's text."""
    conv = result.convention
    rows: list[list[Cell]] = [
        ["Scenario", c.title], ["Generated", f"{c.generated_on} by {c.generator}"], ["Conventions", c.conventions],
        ["Hours per month", conv.hours_per_month], ["Currency", conv.currency],
        ["Horizon [months]", result.horizon_months], ["Cheapest (lowest TCO, cash view)", result.cheapest],
        ["Summary", c.summary.headline],
    ]
    rows += [["", p] for p in c.summary.paragraphs]
    rows += [[pretty(key), x] for key, _, items in c.summary.lists() for x in items]
    return Table(title="Summary", columns=["item", "value"], rows=rows, key="summary")


def key_figures(c: ReportContent) -> Table:
    """The summary's key figures as numbers: the recommended, cheapest and runner-up options, and the reasons."""
    rows: list[list[Cell]] = [[t.label, ", ".join(t.roles), t.upfront_usd, t.tco_usd, t.usd_per_mtok,
                               t.break_even_month, t.units, t.score] for t in c.summary.tiles]
    rows += [[f"reason {i}", r, None, None, None, None, None, None] for i, r in enumerate(c.summary.key_reasons, 1)]
    if c.summary.data_dates is not None:
        rows.append(["data", c.summary.data_dates.text, None, None, None, None, None, None])
    cur = money_code()
    columns = ["key figures", "role", f"upfront [{cur}]", f"TCO [{cur}]", f"{cur} per Mtok", "break-even [month]",
               "units", "score [0-10]"]
    return Table(title="Key figures", columns=columns, rows=rows, units=_usd(columns, {2, 3, 4}), key="key_figures")


def workbook_options(c: ReportContent) -> Table:
    """The options with their figures as numbers (money in the result's currency)."""
    cur = money_code()
    columns = ["option id", "option", "kind", "feasible", "units at peak", f"upfront [{cur}]", f"TCO [{cur}]",
               f"NPV [{cur}]", f"{cur} per Mtok", f"TCO amortised [{cur}]", "capacity from / reason"]
    rows: list[list[Cell]] = [
        [o.id, o.label, o.kind, o.feasible, o.peak_units, o.upfront_usd, o.tco_usd, o.npv_usd, o.usd_per_mtok,
         o.amortised_tco_usd, (o.capacity_from if o.feasible else o.infeasible_reason)
         if not o.deprecated else f"deprecated: {o.deprecated}"] for o in c.options]
    return Table(title="Options", columns=columns, rows=rows, units=_usd(columns, {5, 6, 7, 8, 9}), key="options")


def workbook_assumptions(c: ReportContent) -> Table:
    """Every assumption as given: the option id it applies to, the value as a number."""
    rows: list[list[Cell]] = [[a.scope, a.name, a.value, a.unit, a.as_of, a.source] for a in c.assumptions]
    return Table(title="Assumptions", columns=["applies to", "name", "value", "unit", "as of", "source"], rows=rows,
                 key="assumptions")


def workbook_catalog(c: ReportContent) -> Table:
    """The catalog rows used, each marked stale or not on the report's date."""
    st = c.staleness
    stale = {r.item: r.age_days for r in st.stale}
    rows: list[list[Cell]] = []
    for r in c.catalog_rows:
        item = f"{r.catalog}: {r.id}"
        rows.append([r.catalog, r.id, r.as_of, f"yes ({stale[item]} days)" if item in stale else "no",
                     ", ".join(r.used_by), r.source])
    columns = ["catalog", "id", "as of", f"older than {st.max_age_days} days on {st.today}", "used by", "source"]
    return Table(title="Catalog rows", columns=columns, rows=rows, key="catalog_rows")


def _costed(result: CompareResult) -> list[OptionResult]:
    return [o for o in result.options if o.feasible and o.monthly_by_category_usd]


def cash_flows(result: CompareResult) -> Table:
    """Each feasible option's cash-view cost per month and category."""
    costed = _costed(result)
    cats: list[str] = []
    for o in costed:
        cats += [k for k in o.monthly_by_category_usd if k not in cats]
    rows: list[list[Cell]] = []
    for o in costed:
        by = o.monthly_by_category_usd
        rows += [[o.id, m + 1, *[by[k][m] if k in by else None for k in cats], total]
                 for m, total in enumerate(o.monthly_usd)]
    columns = ["option id", "month", *[f"{k} [{money_code()}]" for k in cats], f"total [{money_code()}]"]
    return Table(title="Cash flows", columns=columns, rows=rows, units=_usd(columns, set(range(2, len(columns)))),
                 key="cash_flows")


def amortised_flows(result: CompareResult) -> Table:
    """Each feasible option's amortised-view cost per month."""
    rows: list[list[Cell]] = [[o.id, m + 1, v] for o in _costed(result) if o.amortised is not None
                              for m, v in enumerate(o.amortised.monthly_usd)]
    columns = ["option id", "month", f"total, amortised view [{money_code()}]"]
    return Table(title="Amortised", columns=columns, rows=rows, units=_usd(columns, {2}), key="amortised")


def break_even_pairs(result: CompareResult) -> Table:
    """Every pair of feasible options in both views: the month their cumulative costs cross, if they do."""
    rows: list[list[Cell]] = [[b.a, b.b, b.view, b.month, b.cheaper_after] for b in result.break_even]
    return Table(title="Break-even", columns=["option a", "option b", "view", "month", "cheaper after"], rows=rows,
                 key="break_even")


def demand_by_month(result: CompareResult) -> Table:
    """Tokens and peak output rate per month."""
    tok, peak = result.demand.tokens_per_month, result.demand.peak_output_tokens_per_s
    rows: list[list[Cell]] = [[m + 1, t, peak[m] if m < len(peak) else None] for m, t in enumerate(tok)]
    return Table(title="Demand", columns=["month", "tokens (input + output)", "peak output tokens/s"], rows=rows,
                 key="demand")


SIZING_KEYS = ["id", "kind", "feasible", "gpu", "gpus_per_replica", "replicas_per_unit", "first_month_units",
               "peak_units", "unit_kind", "peak_gpus_in_use", "output_tokens_per_s_per_replica",
               "peak_fleet_output_tokens_per_s", "peak_utilisation", "precision", "engine", "concurrency", "ttft_ms",
               "tpot_ms", "e2e_latency_s", "weights_gib", "capacity_source", "infeasible_reason"]


def workbook_sizing(c: ReportContent) -> Table:
    """Every sizing figure of each in-house and cloud option, as numbers, under its field name."""
    rows: list[list[Cell]] = [
        [r.id, r.kind, r.feasible, r.gpu, r.gpus_per_replica, r.replicas_per_unit, r.first_month_units, r.peak_units,
         r.unit_kind, r.peak_gpus_in_use, r.output_tokens_per_s_per_replica, r.peak_fleet_output_tokens_per_s,
         r.peak_utilisation, r.precision, r.engine, r.concurrency, r.ttft_ms, r.tpot_ms, r.e2e_latency_s,
         r.weights_gib, r.capacity_source, r.infeasible_reason] for r in c.sizing]
    return Table(title="Sizing", columns=SIZING_KEYS, rows=rows, key="sizing")
