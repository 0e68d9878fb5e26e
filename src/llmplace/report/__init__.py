"""The decision report: one self-contained HTML page, or the same content as Markdown, JSON, a workbook
or PDF.

``render(result, fmt)`` returns the report (text for html, md and json; bytes for xlsx and pdf);
``write_report(result, path, fmt)`` writes it. ``result`` is a :class:`~llmplace.CompareResult`, or
its ``to_dict()`` document, which is validated back into one here and nowhere else; sections whose
engine has not produced data say so instead of showing numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import InputError, field_path, not_one_of
from ..results import CompareResult, DecisionMap

if TYPE_CHECKING:
    from .model import ReportContent

__all__ = ["BINARY_FORMATS", "FORMATS", "format_for_path", "output_format", "render", "report_document", "write_report"]

FORMATS = ("html", "md", "json", "xlsx", "pdf", "pptx")
BINARY_FORMATS = ("xlsx", "pdf", "pptx")
_SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
    ".xlsx": "xlsx",
    ".pdf": "pdf",
    ".pptx": "pptx",
}


def format_for_path(path: str | Path | None) -> str:
    """The format a file name asks for by its suffix; html when the suffix names none."""
    if path is None:
        return "html"
    return _SUFFIXES.get(Path(str(path)).suffix.lower(), "html")


def output_format(fmt: str | None, path: str | Path | None) -> str:
    """The format to write: ``fmt`` (any case) if given, else the path's suffix, else html.

    The two must agree: ``-o board.pdf --format md`` and ``-o out.docx`` (a suffix that names no format)
    are refused rather than written in another format than the file name says; ``--format md`` with a
    suffix that names no format (``notes.txt``) is written as asked.
    """
    kind = (fmt or "").strip().lower()
    if kind and kind not in FORMATS:
        raise not_one_of("--format", fmt, FORMATS)
    suffix = Path(str(path)).suffix.lower() if path is not None else ""
    by_suffix = _SUFFIXES.get(suffix)
    if kind and by_suffix and by_suffix != kind:
        raise InputError("--output", str(path), f"a file name ending in .{kind} for --format {kind}",
                         f"its suffix {suffix} says {by_suffix}")
    if not kind and suffix and by_suffix is None:
        names = ", ".join(sorted(_SUFFIXES))
        raise InputError("--output", str(path), f"a file name ending in {names}, or --format to choose",
                         f"{suffix} names no report format")
    return kind or by_suffix or "html"


_EXPECTED = "a CompareResult or its to_dict() document"


def _result(result: CompareResult | dict[str, Any]) -> CompareResult:
    """The typed result: as given, or validated from a saved ``to_dict()`` document."""
    if isinstance(result, CompareResult):
        return result
    if not isinstance(result, dict):
        raise InputError("result", type(result).__name__, _EXPECTED)
    try:
        return CompareResult.model_validate(result)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = field_path(first["loc"]) or "the document"
        raise InputError("result", type(result).__name__, _EXPECTED, f"{where}: {first['msg']}") from None


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def _document(result: CompareResult, content: ReportContent) -> dict[str, Any]:
    return {**result.to_dict(), "report": content.model_dump(mode="json")}


def report_document(result: CompareResult | dict[str, Any], today: dt.date | None = None,
                    source: str | None = None) -> dict[str, Any]:
    """The JSON report: the comparison document plus a ``report`` key holding every section."""
    from .content import build  # the sections' modules (and plotly) only where a report is made

    typed = _result(result)
    with typed.convention.money():
        return _document(typed, build(typed, today, source))


def render(
    result: CompareResult | dict[str, Any], fmt: str = "html", *, today: dt.date | None = None,
    source: str | None = None, one_page: bool = False, decision_map: DecisionMap | None = None,
) -> str | bytes:
    """The report in ``fmt`` (html, md, json, xlsx, pdf or pptx): text for the first three, bytes for the others.

    ``today`` sets the date the staleness warning measures from (default: today); ``source``
    names the scenario file in the report's header; ``one_page`` (pdf only) prints the executive
    summary alone, on one page, for a board pack; ``decision_map`` (from :func:`llmplace.maps.decision_map`)
    adds a decision map section (:mod:`.maps`).
    """
    if fmt not in FORMATS:
        raise not_one_of("--format", fmt, FORMATS)
    if one_page and fmt != "pdf":
        raise InputError("--one-page", fmt, "--format pdf (a one-page board summary is printed to PDF only)")
    typed = _result(result)
    with typed.convention.money():  # every amount and money label in the result's currency
        if decision_map is not None and not one_page:
            return _with_map(typed, fmt, decision_map, today, source)
        return _render(typed, fmt, today, source, one_page)


def _render(typed: CompareResult, fmt: str, today: dt.date | None, source: str | None,
            one_page: bool = False) -> str | bytes:
    from .content import build

    content = build(typed, today, source)
    if fmt == "json":
        return json.dumps(_document(typed, content), indent=2) + "\n"
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(content)
    if fmt == "xlsx":
        from .xlsx import render_xlsx

        return render_xlsx(typed, content)
    if fmt == "pptx":
        from .slides import render_pptx

        return render_pptx(typed, content)
    from .charts import build_charts
    from .html import render_html

    charts = build_charts(typed, content)
    if one_page and fmt == "pdf":
        from .html import render_board_page
        from .pdf import html_to_pdf

        return html_to_pdf(render_board_page(content, charts, _plotly_js()))
    page = render_html(content, charts, _plotly_js())
    if fmt == "html":
        return page
    from .pdf import html_to_pdf

    return html_to_pdf(page)


def _with_map(result: CompareResult | dict[str, Any], fmt: str, m: DecisionMap, today: dt.date | None,
              source: str | None) -> str | bytes:
    """The report with its decision map section: a heatmap in HTML (and PDF), a summary in Markdown, the grids
    as a sheet in xlsx, the whole map under ``decision_map`` in JSON."""
    from . import maps
    from .content import build

    typed = _result(result)
    if fmt == "pptx":  # the deck has no map slide
        return _render(typed, fmt, today, source)
    content = build(typed, today, source)
    if fmt == "json":
        return json.dumps({**_document(typed, content), "decision_map": m.to_dict()}, indent=2) + "\n"
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(content) + "\n" + maps.map_markdown(m)
    if fmt == "xlsx":
        from .xlsx import render_xlsx

        return maps.add_map_sheet(render_xlsx(typed, content), m)
    from .chart_style import option_colours
    from .charts import Chart, build_charts
    from .html import render_html

    sid, title = maps.MAP_SECTION
    chart = Chart(sid, sid, f"Recommended option by {m.x_path} and {m.y_path}", maps.map_caption(m),
                  maps.map_figure(m, option_colours(typed)).to_json())
    page = render_html(content, [*build_charts(typed, content), chart], _plotly_js(),
                       extra=(sid, title, maps.map_section_html(m)))
    if fmt == "html":
        return page
    from .pdf import html_to_pdf

    return html_to_pdf(page)


def write_report(
    result: CompareResult | dict[str, Any],
    path: str | Path,
    fmt: str | None = None,
    *,
    today: dt.date | None = None,
    source: str | None = None,
) -> Path:
    """Write the report to ``path`` (format: ``fmt``, else the suffix's, else html); the path written."""
    p = Path(path)
    fmt = output_format(fmt, p)
    if p.is_dir():
        raise InputError("--output", str(path), "a file path, not a folder")
    if not p.parent.is_dir():
        raise InputError("--output", str(path), "a file in an existing folder", "the folder does not exist")
    data = render(result, fmt, today=today, source=source)
    try:
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError("--output", str(path), "a writable file path", exc.strerror or str(exc)) from None
    return p
