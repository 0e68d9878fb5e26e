"""What `llmplace size` prints for people: a verdict line, the key quantities with their units, and the
layouts that fit when the one asked for does not (every field is in `--json`)."""

from __future__ import annotations

from typing import Any

__all__ = ["KEY_ROWS", "key_rows", "print_size", "speculation_lines", "verdict"]

#: (field, label, unit, format) of the quantities shown, in order; a field that is absent or None is skipped
KEY_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("weights_gib_per_gpu", "weights per GPU", "GiB", "{:,.1f}"),
    ("kv_capacity_gib_per_gpu", "KV cache room per GPU", "GiB", "{:,.1f}"),
    ("kv_gib_per_sequence", "KV cache per sequence", "GiB", "{:,.3f}"),
    ("max_concurrency", "sequences that fit", "", "{:,}"),
    ("concurrency", "concurrency used", "", "{:,}"),
    ("ttft_ms", "time to first token (steady load)", "ms", "{:,.0f}"),
    ("ttft_burst_ms", "time to first token (all arrive at once)", "ms", "{:,.0f}"),
    ("tpot_ms", "time per output token", "ms", "{:,.1f}"),
    ("output_tokens_per_s", "output throughput per replica", "tokens/s", "{:,.0f}"),
    ("requests_per_s", "requests per replica", "requests/s", "{:,.2f}"),
    ("replicas_needed", "replicas for --rps", "", "{:,}"),
    ("gpus_needed", "GPUs for --rps", "", "{:,}"),
)


def _ms(v: Any) -> str:
    return f"{v:g} ms" if v else "none"


def verdict(d: dict[str, Any]) -> str:
    """One line: does it fit, and at what speed; or why not."""
    head = f"{d['model']} on {d['gpus']} x {d['gpu']} ({d['precision']}, {d['engine']})"
    if not d.get("fits"):
        return f"{head}: does not fit: {d.get('reason')}"
    targets = ""
    if d.get("ttft_target_ms") or d.get("tpot_target_ms"):
        met = "meets" if d.get("meets_targets") else "misses"
        targets = (f"; {met} the targets (TTFT {_ms(d.get('ttft_target_ms'))}, "
                   f"TPOT {_ms(d.get('tpot_target_ms'))})")
    return (f"{head}: fits; {d.get('concurrency') or 0:,} concurrent sequences of "
            f"{d['input_tokens'] + d['output_tokens']:,} tokens, {d.get('output_tokens_per_s') or 0:,.0f} output "
            f"tokens/s{targets}")


def key_rows(d: dict[str, Any]) -> list[tuple[str, str]]:
    """(label with unit, value) of the key quantities present in ``d``."""
    rows = []
    for key, label, unit, fmt in KEY_ROWS:
        v = d.get(key)
        if v is None:
            continue
        rows.append((f"{label} [{unit}]" if unit else label, fmt.format(v)))
    return rows


def speculation_lines(sp: dict[str, Any] | None) -> list[str]:
    """What speculative decoding assumed and changed, one line each (none when it is off)."""
    if not sp:
        return []
    head = (f"speculative decoding ({sp['method']}, k = {sp['draft_tokens']}, acceptance "
            f"{sp['acceptance_rate']:.2f}): {sp['expected_tokens_per_pass']:.2f} tokens per verify pass")
    lines = [head]
    if sp.get("speedup") is not None:
        lines.append(f"without it at the same concurrency: TPOT {sp['tpot_ms_without']:,.1f} ms, "
                     f"{sp['output_tokens_per_s_without']:,.0f} tokens/s (x{sp['speedup']:.2f} with it)")
    if sp.get("capacity_ratio") is not None:
        lines.append(f"without it at its own operating point (concurrency {sp['concurrency_without']:,}): "
                     f"capacity x{sp['capacity_ratio']:.2f} with it")
    return lines + [f"assumed: {a}" for a in sp.get("assumptions") or []]


def print_size(data: dict[str, Any], title: str) -> None:
    """The verdict, the key quantities, the layouts that fit and the default targets, on stdout."""
    from rich.markup import escape
    from rich.table import Table

    from . import out

    out.print(verdict(data), markup=False, highlight=False)
    t = Table(title=title, show_header=False)
    t.add_column("quantity")
    t.add_column("value", justify="right")
    for label, value in key_rows(data):
        t.add_row(escape(label), value)  # "[ms]" is a unit, not rich markup
    out.print(t)
    for line in data.get("layouts_that_fit") or []:
        out.print(f"  fits with: {line}", markup=False, highlight=False)
    for line in layout_lines(data.get("layout")):
        out.print(f"  {line}", markup=False, highlight=False)
    defaults = ", ".join(f"{d['target']} {d['value_ms']:g} ms" for d in data.get("latency_defaults") or [])
    if defaults:
        out.print(f"  default targets applied: {defaults} (site.csv)", markup=False, highlight=False)
    for line in speculation_lines(data.get("speculative")):
        out.print(f"  {line}", markup=False, highlight=False)
    out.print("  every field, with its source: --json", markup=False, highlight=False)


def layout_lines(layout: dict[str, Any] | None) -> list[str]:
    """Lines on a multi-server or expert-parallel layout: what it is, its fabric, bubble, what it assumes."""
    if not layout:
        return []
    lines = [f"layout: {layout['label']}"]
    if layout.get("nodes", 1) > 1:
        lines.append(f"fabric: {layout['fabric']} ({layout['fabric_gb_per_s_per_gpu']:g} GB/s per GPU, "
                     f"{layout['fabric_latency_us']:g} us per hop)")
    if layout.get("fabric_note"):
        lines.append(f"note: {layout['fabric_note']}")
    if layout.get("communication_ms_per_step") is not None:
        lines.append(f"communication per decode step: {layout['communication_ms_per_step']:,.1f} ms")
    if layout.get("pipeline_bubble"):
        lines.append(f"pipeline bubble: {layout['pipeline_bubble']:.0%} of each stage idle (fewer sequences "
                     "than stages)")
    lines += [f"assumed: {n}" for n in layout.get("notes") or []]
    return lines
