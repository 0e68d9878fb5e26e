"""Bundled, dated catalogs: GPUs, models, server builds, cloud instances, site defaults and API prices.

Each CSV in ``catalog/data`` is loaded once into typed rows (see :mod:`llmplace.catalog.specs`).
Lookups are case-insensitive, accept aliases and suggest near matches for unknown names. Managed
API prices come from the ``genai-prices`` package (bundled data, offline) through
``api_aliases.csv``, plus ``api_overrides.csv`` for providers or models it lacks.

Withdrawn API offers are not offered: an offer whose model the price data marks deprecated, or
whose provider shutdown date (``retired_on`` in ``api_aliases.csv``) is on or before
:data:`CATALOG_DATE`, is left out of :func:`api_offers` and cannot be chosen by name;
:func:`withdrawn_api_offer` says why.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import AmbiguousNameError, InputError, LlmplaceError, UnknownNameError
from . import fx, price_cache
from .deprecations import Deprecation, deprecation_text, mark
from .fingerprint import bump_generation, catalog_fingerprint
from .hf_config import model_from_hf_config, model_from_hf_file
from .overlay import OVERLAY_FILES, overlay_rows, set_user_catalogs
from .specs import ApiAlias, ApiOffer, CloudSpec, GpuSpec, ModelSpec, ServerSpec, SiteDefault

__all__ = [
    "uncertainty_defaults",
    "fx",
    "ApiOffer",
    "CloudSpec",
    "GpuSpec",
    "ModelSpec",
    "ServerSpec",
    "SiteDefault",
    "Table",
    "KINDS",
    "api_offers",
    "get_api_offer",
    "withdrawn_api_offer",
    "deprecation_text",
    "withdrawn_api_offers",
    "CATALOG_DATE",
    "api_price_data_as_of",
    "catalog_fingerprint",
    "reload",
    "user_and_refreshed_off",
    "user_and_refreshed_on",
    "use_catalogs",
    "use_scenario_catalogs",
    "get_cloud",
    "get_gpu",
    "get_model",
    "model_from_hf_config",
    "model_from_hf_file",
    "get_server",
    "site_default",
    "site_defaults",
    "table",
    "find_any",
    "normalize",
]

T = TypeVar("T", bound=BaseModel)

KINDS = ("gpus", "models", "servers", "clouds", "apis")
GENAI_PRICES_SOURCE = "PyPI genai-prices (bundled price data)"
# The date the bundled catalog was last reviewed: an API offer whose provider shut the model down on
# or before it is withdrawn (a later shutdown date keeps the offer until the catalog is reviewed again).
CATALOG_DATE = dt.date(2026, 12, 3)


def normalize(name: str) -> str:
    """Lookup key: lower case, surrounding space dropped, runs of spaces and underscores as one hyphen."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


class Table(Generic[T]):
    """An immutable catalog table with case-insensitive id/alias lookup and near-match suggestions.

    An alias that several rows declare (``llama-70b`` on every Llama 70B) is ambiguous: it resolves to
    none of them, and :meth:`get` raises :class:`AmbiguousNameError` listing the candidates. An id is
    never ambiguous.
    """

    def __init__(self, kind: str, rows: Iterable[T], keys: Iterable[tuple[str, T]] | None = None) -> None:
        self.kind = kind
        self.rows: tuple[T, ...] = tuple(rows)
        self._index: dict[str, T] = {}
        self._ambiguous: dict[str, list[str]] = {}
        ids = {normalize(r.id) for r in self.rows}  # type: ignore[attr-defined]
        pairs = keys if keys is not None else self._default_keys()
        for key, row in pairs:
            k = normalize(key)
            if not k:
                continue
            held = self._index.get(k)
            if held is None and k not in self._ambiguous:
                self._index[k] = row
            elif held is not None and held is not row and k not in ids:
                self._ambiguous[k] = [held.id, row.id]  # type: ignore[attr-defined]
                del self._index[k]
            elif k in self._ambiguous and row.id not in self._ambiguous[k]:  # type: ignore[attr-defined]
                self._ambiguous[k].append(row.id)  # type: ignore[attr-defined]

    def _default_keys(self) -> Iterator[tuple[str, T]]:
        for row in self.rows:  # ids first so an alias never shadows an id
            yield row.id, row  # type: ignore[attr-defined]
        for row in self.rows:
            for alias in getattr(row, "aliases", ()):
                yield alias, row

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, name: str) -> T | None:
        return self._index.get(normalize(name))

    def candidates(self, name: str) -> list[str]:
        """Ids an ambiguous ``name`` could mean; empty when it is unambiguous or unknown."""
        return list(self._ambiguous.get(normalize(name), ()))

    def get(self, name: str, field: str | None = None) -> T:
        row = self.find(name)
        if row is None:
            kind = self.kind.rstrip("s")
            many = self.candidates(name)
            if many:
                raise AmbiguousNameError(field or kind, name, kind, many)
            raise UnknownNameError(field or kind, name, kind, self.suggest(name))
        return row

    def suggest(self, name: str, n: int = 3) -> list[str]:
        key = normalize(name)
        ids = {normalize(r.id): r.id for r in self.rows}  # type: ignore[attr-defined]
        close = difflib.get_close_matches(key, list(self._index), n=n * 3, cutoff=0.5)
        out: list[str] = []
        for c in close:
            rid = self._index[c].id  # type: ignore[attr-defined]
            if rid not in out:
                out.append(rid)
        if not out:  # substring fallback: "70b" -> every 70B model
            out = [v for k, v in ids.items() if key and key in k]
        return out[:n]


def _read_csv(filename: str) -> list[dict[str, Any]]:
    text = resources.files("llmplace.catalog").joinpath("data", filename).read_text(encoding="utf-8")
    rows = []
    for raw in csv.DictReader(text.splitlines()):
        rows.append({k.strip(): (v.strip() if v is not None else None) for k, v in raw.items() if k})
    return rows


def _typed(filename: str, cls: type[T], extra: dict[str, Any] | None = None) -> list[T]:
    out: list[T] = []
    for lineno, row in enumerate(_read_csv(filename), start=2):
        clean = {k: v for k, v in row.items() if v not in (None, "")}
        if extra:
            clean.update({k: f(clean) for k, f in extra.items()})
        try:
            out.append(cls(**clean))
        except ValidationError as exc:  # a broken bundled file is our bug, not the user's
            raise LlmplaceError(f"bundled catalog {filename} line {lineno} is invalid: {exc}") from exc
    out = _deprecated(filename, out)
    return _with_overlays(filename, cls, out, extra) if filename in OVERLAY_FILES else out


def _deprecated(filename: str, rows: list[T]) -> list[T]:
    """Bundled server and cloud rows with the deprecations of ``deprecations.csv`` filled in."""
    kind = filename.removesuffix(".csv")
    if kind not in ("servers", "clouds"):
        return rows
    entries = [Deprecation(**{k: v for k, v in r.items() if v}) for r in _read_csv("deprecations.csv")]
    return mark(kind, rows, entries)


def _with_overlays(filename: str, cls: type[T], rows: list[T], extra: dict[str, Any] | None) -> list[T]:
    """``rows`` with the refreshed and user-supplied rows of ``filename`` applied: same id replaces, new adds."""
    out = list(rows)
    base = {r.id.lower(): r for r in rows}  # type: ignore[attr-defined]
    for row in overlay_rows(filename, cls, base, extra):
        ids = [i for i, r in enumerate(out) if r.id == row.id]  # type: ignore[attr-defined]
        if ids:
            out[ids[0]] = row
        else:
            out.append(row)
    return out


def use_catalogs(dirs: list[Any], field: str = "--catalog") -> None:
    """Add or override catalog rows from the CSV directories ``dirs`` (see :mod:`llmplace.catalog.overlay`).

    An empty list goes back to the bundled rows (plus a refreshed snapshot, if any). Tables are reloaded.
    """
    from pathlib import Path

    set_user_catalogs([Path(d) for d in dirs], field)
    reload()


def user_and_refreshed_off() -> tuple[list[Any], bool, list[Any]]:
    """Switch the overlays off (the bundled rows only) and return what :func:`user_and_refreshed_on` restores."""
    from . import overlay

    saved = (overlay.user_catalogs(), overlay.REFRESHED_ON[0], overlay.scenario_catalogs())
    overlay.set_user_catalogs([])
    overlay.set_scenario_catalogs([])
    overlay.REFRESHED_ON[0] = False
    reload()
    return saved


def user_and_refreshed_on(saved: tuple[list[Any], bool, list[Any]]) -> None:
    """Restore the overlays :func:`user_and_refreshed_off` switched off."""
    from . import overlay

    overlay.set_user_catalogs(saved[0])
    overlay.set_scenario_catalogs(saved[2])
    overlay.REFRESHED_ON[0] = saved[1]
    reload()


def use_scenario_catalogs(dirs: list[Any]) -> None:
    """The user catalogs a scenario file names (``catalog_dirs``); they apply after ``--catalog`` ones."""
    from pathlib import Path

    from . import overlay

    before = overlay.scenario_catalogs()
    overlay.set_scenario_catalogs([Path(d) for d in dirs])
    if overlay.scenario_catalogs() != before:  # loading a file reloads the tables only when its catalogs change
        reload()


def reload() -> None:
    """Forget the loaded tables: the next lookup reads the bundled files and the overlays in force again."""
    for loader in (_gpus, _models, _servers, _clouds, _site, _apis, _api_catalog, _api_sources, _priced):
        loader.cache_clear()
    fx._rates.cache_clear()
    bump_generation()


@cache
def _gpus() -> Table[GpuSpec]:
    return Table("gpus", _typed("gpus.csv", GpuSpec))


@cache
def _models() -> Table[ModelSpec]:
    return Table("models", _typed("models.csv", ModelSpec))


@cache
def _servers() -> Table[ServerSpec]:
    return Table("servers", _typed("servers.csv", ServerSpec))


@cache
def _clouds() -> Table[CloudSpec]:
    rows = _typed(
        "clouds.csv",
        CloudSpec,
        extra={"id": lambda r: f"{r['provider']}/{r['instance_type']}/{r['region']}".lower()},
    )
    keys: list[tuple[str, CloudSpec]] = [(r.id, r) for r in rows]
    defaults = [r for r in rows if r.default_region]
    keys += [(f"{r.provider}/{r.instance_type}", r) for r in defaults]
    by_type: dict[str, list[CloudSpec]] = {}
    for r in defaults:
        by_type.setdefault(normalize(r.instance_type), []).append(r)
    keys += [(t, rs[0]) for t, rs in by_type.items() if len(rs) == 1]
    keys += [(a, r) for r in rows for a in r.aliases]
    return Table("clouds", rows, keys)


@cache
def _site() -> dict[str, SiteDefault]:
    return {r.key: r for r in _typed("site.csv", SiteDefault)}


def _withdrawn_reason(alias: ApiAlias, model_info: Any, version: str) -> str | None:
    """Why the offer of ``alias`` is withdrawn, or None while the provider still sells it."""
    what = f"{alias.provider}'s {alias.provider_model_id}"
    if alias.retired_on is not None and alias.retired_on <= CATALOG_DATE:
        return f"{what} was retired on {alias.retired_on.isoformat()}" + (f"; {alias.notes}" if alias.notes else "")
    if getattr(model_info, "deprecated", None):
        comment = getattr(model_info, "price_comments", None)
        return f"{what} is marked deprecated in genai-prices {version}" + (
            f": {comment.strip().rstrip('.')}" if comment else "")
    return None


@cache
def api_price_data_as_of(version: str) -> str:
    """The ``as_of`` text of the genai-prices ``version``'s price data: its data date where recorded."""
    for row in _read_csv("api_price_data.csv"):
        if row.get("package") == "genai-prices" and row.get("version") == version and row.get("as_of"):
            return f"{row['as_of']} (genai-prices {version} price data)"
    return f"genai-prices {version} (data date not recorded)"


@cache
def _apis() -> Table[ApiOffer]:
    return _api_catalog()[0]


@cache
def _priced(alias: ApiAlias) -> ApiOffer | str | None:
    """One alias priced by genai-prices: the offer, the reason it is withdrawn, or None (unknown to the package);
    read from the disk cache of the installed version's prices when there (:mod:`.price_cache`)."""
    version = price_cache.installed_version()
    if version is None:
        return _priced_by_package(alias)
    key = price_cache.cache_key(version, alias, api_price_data_as_of(version))
    hit = price_cache.read(key)
    if hit is not None:
        return hit[0]
    priced = _priced_by_package(alias)
    price_cache.write(key, priced)
    return priced


def _priced_by_package(alias: ApiAlias) -> ApiOffer | str | None:
    from genai_prices import Usage, __version__, calc_price

    from .api_hours import hour_averaged

    def at(usage: Usage) -> Any:
        return hour_averaged(lambda ts: calc_price(usage, model_ref=alias.provider_model_id, provider_id=alias.provider,
                                                   genai_request_timestamp=ts), CATALOG_DATE)

    try:
        averaged = at(Usage(input_tokens=1_000_000, output_tokens=1_000_000))
        cached = at(Usage(input_tokens=1_000_000, cache_read_tokens=1_000_000))
    except LookupError:  # pragma: no cover - the alias table is checked by a test
        return None
    base = averaged.noon
    reason = _withdrawn_reason(alias, base.model, __version__)
    if reason is not None:
        return reason
    mp = base.model_price
    cached_price = cached.input_usd_per_mtok if getattr(mp, "cache_read_mtok", None) else None
    url = ", ".join(getattr(base.provider, "pricing_urls", None) or [])
    return ApiOffer(
        id=f"{alias.provider}/{alias.model}",
        model=alias.model,
        provider=alias.provider,
        provider_model_id=alias.provider_model_id,
        input_usd_per_mtok=averaged.input_usd_per_mtok,
        output_usd_per_mtok=averaged.output_usd_per_mtok,
        cached_input_usd_per_mtok=cached_price,
        as_of=api_price_data_as_of(__version__),
        source=f"{GENAI_PRICES_SOURCE} {__version__}" + (f"; {url}" if url else ""),
        notes="; ".join(n for n in (alias.notes, averaged.note()) if n) or None,
    )


@cache
def _api_sources() -> tuple[dict[str, ApiAlias], dict[str, ApiOffer]]:
    """The aliases and the overrides by normalised ``provider/model`` (read, not priced)."""
    aliases = {normalize(f"{a.provider}/{a.model}"): a for a in _typed("api_aliases.csv", ApiAlias)}
    return aliases, {normalize(o.id): o for o in _typed("api_overrides.csv", ApiOffer)}


def _api_lookup(provider: str, model_id: str) -> ApiOffer | str | None:
    """One pair's offer, or why it is withdrawn, or None, pricing only that pair (the whole table takes ~0.1 s)."""
    key = normalize(f"{provider}/{model_id}")
    aliases, overrides = _api_sources()
    if key in overrides:  # an override replaces the package's price and is a price the catalog vouches for
        return overrides[key]
    alias = aliases.get(key)
    return _priced(alias) if alias is not None else None


@cache
def _api_catalog() -> tuple[Table[ApiOffer], dict[str, str]]:
    """The live API offers, and the reason each withdrawn offer (by id) is left out."""
    offers: list[ApiOffer] = []
    withdrawn: dict[str, str] = {}
    for alias in _typed("api_aliases.csv", ApiAlias):
        priced = _priced(alias)
        if isinstance(priced, str):
            withdrawn[normalize(f"{alias.provider}/{alias.model}")] = priced
        elif priced is not None:
            offers.append(priced)
    seen = {o.id for o in offers}
    for o in _typed("api_overrides.csv", ApiOffer):
        if o.id in seen:  # an override replaces the package's price for the same pair
            offers = [x for x in offers if x.id != o.id]
        withdrawn.pop(normalize(o.id), None)  # an override is a price the catalog vouches for
        offers.append(o)
    keys = [(o.id, o) for o in offers]
    return Table("apis", offers, keys), withdrawn


def table(kind: str) -> Table[Any]:
    """The catalog table ``kind`` (one of :data:`KINDS`)."""
    loaders: dict[str, Any] = {"gpus": _gpus, "models": _models, "servers": _servers, "clouds": _clouds,
                               "apis": _apis}
    if kind not in loaders:
        raise InputError("kind", kind, ", ".join(KINDS))
    return loaders[kind]()


def get_gpu(name: str, field: str = "gpu") -> GpuSpec:
    return _gpus().get(name, field)


def get_model(name: str, field: str = "model") -> ModelSpec:
    return _models().get(name, field)


def get_server(name: str, field: str = "server") -> ServerSpec:
    return _servers().get(name, field)


def get_cloud(name: str, field: str = "instance") -> CloudSpec:
    if normalize(name) in ("coreweave/gb200-4x", "gb200-4x"):  # the rack row no longer answers to its node's name
        raise InputError(field, name, "coreweave/gb200-nvl72-rack", "CoreWeave rents its 4-GPU GB200 node only as "
                         "a whole NVL72 rack of 18 nodes (72 GPUs, $756/h): name the rack")
    return _clouds().get(name, field)


def api_offers(model: str | None = None) -> list[ApiOffer]:
    """Every live managed API offer, or those for one canonical model id (aliases accepted).

    Withdrawn offers (see the module docstring) are not listed.
    """
    rows = list(_apis())
    if model is None:
        return rows
    mid = get_model(model).id if _models().find(model) else normalize(model)
    return [o for o in rows if normalize(o.model) == mid]


def get_api_offer(provider: str, model: str, field: str = "provider") -> ApiOffer:
    """The offer of ``provider`` for ``model`` (canonical id or alias); a withdrawn offer is refused."""
    mid = get_model(model).id if _models().find(model) else normalize(model)
    hit = _api_lookup(provider, mid)
    if isinstance(hit, ApiOffer):
        return hit
    reason = withdrawn_api_offer(provider, model)
    if reason is not None:
        live = ", ".join(sorted(o.provider for o in api_offers(model))) or "none in the catalog"
        raise InputError(field, provider, f"a provider offering {mid}: {live}", f"withdrawn: {reason}")
    return _apis().get(f"{provider}/{mid}", field)  # not in the catalog: the error names near matches


def withdrawn_api_offers() -> list[str]:
    """The ``provider/model`` ids of every offer the bundled catalog withdraws (overlays switched off)."""
    saved = user_and_refreshed_off()
    try:
        return sorted(_api_catalog()[1])
    finally:
        user_and_refreshed_on(saved)


def withdrawn_api_offer(provider: str, model: str) -> str | None:
    """Why the catalog no longer offers ``provider``'s ``model``, or None (a live or unknown offer)."""
    mid = get_model(model).id if _models().find(model) else normalize(model)
    hit = _api_lookup(provider, mid)
    return hit if isinstance(hit, str) else None


def site_defaults() -> dict[str, SiteDefault]:
    return dict(_site())


def uncertainty_defaults() -> list[dict[str, str]]:
    """The documented default uncertainty rows (``uncertainty_defaults.csv``), each with its basis and source."""
    return [{k: v or "" for k, v in row.items()} for row in _read_csv("uncertainty_defaults.csv")]


def site_default(key: str) -> float:
    try:
        return _site()[key].value
    except KeyError as exc:
        raise LlmplaceError(f"bundled site.csv lacks the default {key!r}") from exc


def find_any(name: str) -> tuple[str, BaseModel] | None:
    """Look ``name`` up in every table; the first hit as (kind, row)."""
    for kind in KINDS:
        row = table(kind).find(name)
        if row is not None:
            return kind, row
    return None
