"""Shell completion of catalog ids: `--gpu`, `--model` and the like complete from the bundled catalogs.

typer's own `--install-completion` / `--show-completion` install the shell hook; these functions give
the values. They never raise (a shell calls them on every Tab) and read only bundled data.
"""

from __future__ import annotations

from .. import catalog

__all__ = ["complete_any", "complete_format", "complete_gpu", "complete_kind", "complete_model", "complete_view",
           "completions"]


def completions(kind: str, incomplete: str) -> list[str]:
    """The ids of catalog ``kind`` that start with ``incomplete`` (any case), in catalog order."""
    start = incomplete.strip().lower()
    try:
        return [r.id for r in catalog.table(kind) if r.id.lower().startswith(start)]
    except Exception:  # noqa: BLE001 - a completion must never break the shell
        return []


def complete_gpu(incomplete: str) -> list[str]:
    return completions("gpus", incomplete)


def complete_model(incomplete: str) -> list[str]:
    return completions("models", incomplete)


def complete_any(incomplete: str) -> list[str]:
    """Ids of every catalog (for `catalog show`)."""
    return [i for kind in catalog.KINDS for i in completions(kind, incomplete)]


def complete_kind(incomplete: str) -> list[str]:
    return [k for k in catalog.KINDS if k.startswith(incomplete.strip().lower())]


def complete_view(incomplete: str) -> list[str]:
    from ..report.views import VIEWS

    return [v for v in VIEWS if v.startswith(incomplete.strip().lower())]


def complete_format(incomplete: str) -> list[str]:
    from ..report import FORMATS

    return [f for f in FORMATS if f.startswith(incomplete.strip().lower())]
