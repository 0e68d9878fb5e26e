"""Catalog rows from outside the package: a refreshed price snapshot and the user's own catalogs.

Two kinds of directory hold CSV files in the bundled format (``servers.csv``, ``clouds.csv``,
``api_overrides.csv``, ``models.csv``, ``gpus.csv``):

* the refreshed snapshot that ``llmplace catalog refresh`` writes, in :func:`refreshed_dir`
  (``$LLMPLACE_DATA_DIR/catalog`` when that variable is set, else the user data directory);
* user catalogs named with ``--catalog DIR`` (a negotiated server quote, a private cloud price, an
  internal model).

Their rows are read with the same row models as the bundled ones. A row whose id matches a bundled row
replaces it; any other row is added. Later directories win: bundled, then refreshed, then user
catalogs in the order given. Every row from outside the package has its ``source`` prefixed with
where it came from (``user catalog DIR/servers.csv line 3: ...``), so every output that lists the
rows used marks it. The bundled snapshot is never written.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from . import fx

__all__ = ["CURRENCY_COLUMN", "DATA_DIR_ENV", "MANIFEST", "OVERLAY_FILES", "Overlay", "overlay_rows", "overlays",
           "refreshed_dir", "refresh_manifest", "scenario_catalogs", "set_scenario_catalogs", "set_user_catalogs",
           "user_catalogs"]

T = TypeVar("T", bound=BaseModel)

#: environment variable naming the user data directory (tests point it at a temporary folder)
DATA_DIR_ENV = "LLMPLACE_DATA_DIR"
#: an optional column of a user catalog row: the currency its prices (columns named ``..._usd...``) are written in
CURRENCY_COLUMN = "currency"
#: the files a refreshed snapshot or a user catalog may hold
OVERLAY_FILES = ("gpus.csv", "models.csv", "servers.csv", "clouds.csv", "api_overrides.csv")
MANIFEST = "manifest.json"

_user_dirs: list[Path] = []
_scenario_dirs: list[Path] = []
#: whether the refreshed snapshot applies (switched off only to compare against the bundled rows)
REFRESHED_ON = [True]


class Overlay(BaseModel):
    """A directory of catalog rows from outside the package and how its rows are marked."""

    path: Path
    label: str  # 'user catalog DIR' or 'refreshed 2026-12-03'


def refreshed_dir() -> Path:
    """Where ``catalog refresh`` writes: ``$LLMPLACE_DATA_DIR/catalog``, else the user data directory's."""
    base = os.environ.get(DATA_DIR_ENV)
    if base:
        return Path(base) / "catalog"
    from platformdirs import user_data_dir

    return Path(user_data_dir("llmplace", appauthor=False)) / "catalog"


def refresh_manifest() -> dict[str, Any] | None:
    """The refreshed snapshot's manifest (fetch date, sources, row counts), or None when there is none."""
    path = refreshed_dir() / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def user_catalogs() -> list[Path]:
    return list(_user_dirs)


def scenario_catalogs() -> list[Path]:
    return list(_scenario_dirs)


def set_scenario_catalogs(dirs: list[Path]) -> None:
    """The catalogs a scenario file names (``catalog_dirs``), applied after the ``--catalog`` ones."""
    _check_dirs(dirs, "catalog_dirs")
    _scenario_dirs[:] = [d.resolve() for d in dirs]


def set_user_catalogs(dirs: list[Path], field: str = "--catalog") -> None:
    """Use the catalogs in ``dirs`` from now on (an empty list: none); each must be a directory of known CSVs."""
    _check_dirs(dirs, field)
    _user_dirs[:] = [d.resolve() for d in dirs]


def _check_dirs(dirs: list[Path], field: str) -> None:
    for d in dirs:
        if not d.is_dir():
            raise InputError(field, str(d), "a directory of catalog CSV files (" + ", ".join(OVERLAY_FILES) + ")")
        unknown = sorted(p.name for p in d.glob("*.csv") if p.name not in OVERLAY_FILES)
        if unknown:
            raise InputError(field, f"{d}/{unknown[0]}", "one of " + ", ".join(OVERLAY_FILES))


def overlays() -> list[Overlay]:
    """The directories in force, in the order they apply: the refreshed snapshot, then the user's catalogs."""
    out: list[Overlay] = []
    manifest = refresh_manifest() if REFRESHED_ON[0] else None
    if manifest is not None:
        out.append(Overlay(path=refreshed_dir(), label=f"refreshed {manifest.get('fetched_on', 'undated')}"))
    out += [Overlay(path=d, label=f"user catalog {d}") for d in _user_dirs + _scenario_dirs]
    return out


def overlay_rows(filename: str, cls: type[T], base: dict[str, T],
                 extra: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> list[T]:
    """The rows of ``filename`` in every overlay, validated with ``cls``, sources marked, in applying order.

    A row whose id is in ``base`` need only give the columns it changes (``id``, ``purchase_usd``,
    ``as_of``, ``source`` for a negotiated quote): the others come from the base row, except its
    ``notes`` and the ``_low`` / ``_high`` range of any value the row gives.
    """
    fields = set(cls.model_fields) | set(extra or {}) | {CURRENCY_COLUMN}
    out: list[T] = []
    for ov in overlays():
        path = ov.path / filename
        if path.is_file():
            out += _read(path, ov.label, cls, fields, extra, base)
    return out


def _inherit(clean: dict[str, Any], base: BaseModel | None) -> dict[str, Any]:
    """``clean`` on top of the ``base`` row it overrides (see :func:`overlay_rows`)."""
    if base is None:
        return clean
    dropped = {"notes"} | {f"{k}{s}" for k in clean for s in ("_low", "_high")}
    inherited = {k: v for k, v in base.model_dump(exclude_none=True).items() if k not in dropped}
    return {**inherited, **clean}


def _in_usd(clean: dict[str, Any], where: str) -> dict[str, Any]:
    """A row written in another currency (its ``currency`` column) with its money columns (``usd`` in the name)
    converted to USD, the catalog's currency, at the bundled reference rate; its source says so."""
    code = clean.pop(CURRENCY_COLUMN, None)
    if code is None:
        return clean
    row = fx.currency_row(code, f"{where} {CURRENCY_COLUMN}")
    if row.currency == fx.CATALOG_CURRENCY:
        return clean
    out = dict(clean)
    for key, value in clean.items():
        if "usd" in key:
            try:
                amount = float(value)
            except ValueError:
                raise InputError(f"{where} {key}", value, "a number (in the row's currency)") from None
            out[key] = fx.convert(amount, row.currency, fx.CATALOG_CURRENCY)
    out["source"] = (f"{clean.get('source', '')} (prices entered in {row.currency}, converted to USD at the "
                     f"reference rates of {row.as_of})")
    return out


def _read(path: Path, label: str, cls: type[T], fields: set[str],
          extra: dict[str, Callable[[dict[str, Any]], Any]] | None, base: dict[str, T]) -> list[T]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("--catalog", str(path), "a readable UTF-8 CSV file", str(exc)) from None
    reader = csv.DictReader(text.splitlines())
    unknown = [c for c in (reader.fieldnames or []) if c and c.strip() not in fields]
    if unknown:
        raise InputError(f"{path} column", unknown[0], "a column of the bundled " + path.name)
    rows: list[T] = []
    for lineno, raw in enumerate(reader, start=2):
        clean: dict[str, Any] = {k.strip(): v.strip() for k, v in raw.items()
                                 if k and isinstance(v, str) and v.strip() != ""}
        where = f"{path} line {lineno}"
        try:
            if extra:
                clean.update({k: f(clean) for k, f in extra.items()})
            for required in ("as_of", "source"):
                if required not in clean:
                    raise InputError(f"{where} {required}", "", "a value: every row says when and where it is from")
            clean = _in_usd(clean, where)
            clean = _inherit(clean, base.get(str(clean.get("id", "")).lower()))
            clean["source"] = f"{label} ({path.name} line {lineno}): {clean['source']}"
            rows.append(cls(**clean))
        except KeyError as exc:
            raise InputError(where, "missing", f"a value in column {exc.args[0]}") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            col = ".".join(str(x) for x in err["loc"]) or "row"
            raise InputError(f"{where} {col}", str(err.get("input", ""))[:60], err["msg"]) from None
    return rows
