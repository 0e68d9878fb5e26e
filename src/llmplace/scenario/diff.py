"""Which inputs differ between two scenario documents (the shared part of every "diff" front end).

The documents are compared as written (plain JSON-like data, before defaults are applied), leaf by
leaf. A list whose items are all mappings with an ``id`` (``options``, ``phased``) is matched by id, so
reordering options is no difference and a change reads ``options[own-8xh100].server``; other lists are
compared item by item (``hf_config_ignore[0]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["InputChange", "diff_inputs"]


@dataclass(frozen=True)
class InputChange:
    """One input that differs: its path, its value in each document (None where absent) and how it changed."""

    path: str
    a: Any
    b: Any
    change: Literal["changed", "added", "removed"]


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """``{id: item}`` when every item is a mapping with a distinct text ``id``, else None."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return None
    keyed = {i["id"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def _children(node: Any) -> dict[str, Any] | None:
    """The children of a mapping or a list, under the path suffix each is shown with; None for a leaf."""
    if isinstance(node, dict):
        return {f".{k}": v for k, v in node.items()}
    if isinstance(node, list):
        keyed = _keyed(node)
        if keyed is not None:
            return {f"[{k}]": v for k, v in keyed.items()}
        return {f"[{i}]": v for i, v in enumerate(node)}
    return None


def _same_shape(a: Any, b: Any) -> bool:
    """Both mappings, or both lists matched the same way (by id, or by position)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return True
    return isinstance(a, list) and isinstance(b, list) and (_keyed(a) is None) == (_keyed(b) is None)


def _walk(a: Any, b: Any, path: str, out: list[InputChange]) -> None:
    kids_a, kids_b = _children(a), _children(b)
    if kids_a is None or kids_b is None or not _same_shape(a, b):
        if a != b:
            out.append(InputChange(path or "(document)", a, b, "changed"))
        return
    for suffix in [*kids_a, *(k for k in kids_b if k not in kids_a)]:
        sub = (path + suffix).lstrip(".")
        if suffix not in kids_b:
            out.append(InputChange(sub, kids_a[suffix], None, "removed"))
        elif suffix not in kids_a:
            out.append(InputChange(sub, None, kids_b[suffix], "added"))
        else:
            _walk(kids_a[suffix], kids_b[suffix], sub, out)


def diff_inputs(a: dict[str, Any], b: dict[str, Any]) -> list[InputChange]:
    """The inputs that differ from scenario document ``a`` to ``b``, in ``a``'s order, then ``b``'s additions.

    Equal documents give an empty list. Numbers compare by value (``2`` equals ``2.0``).
    """
    out: list[InputChange] = []
    _walk(a, b, "", out)
    return out
