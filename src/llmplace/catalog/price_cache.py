"""A disk cache of the API offers priced from genai-prices: a comparison that names an API need not import the
package (its import takes about 0.4 s, as long as the rest of the start-up).

Each entry is keyed by everything its price depends on: the installed genai-prices version (the package ships its
price data with the version, and nothing here updates it at run time), the alias row, the ``as_of`` text of that
version's data and this cache's format. A different version, alias or data date is a different key, so a stale
entry is never read; a missing, unreadable or unwritable cache is skipped and the offer priced by the package.
The folder is ``$LLMPLACE_CACHE_DIR``, else the user cache directory; ``LLMPLACE_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from .specs import ApiAlias, ApiOffer

__all__ = ["CACHE_DIR_ENV", "cache_key", "installed_version", "read", "write"]

CACHE_DIR_ENV = "LLMPLACE_CACHE_DIR"
#: bumped when the stored form or the pricing rule changes (2: prices averaged over the catalog date's 24 hours)
FORMAT = 2

Priced = ApiOffer | str | None  #: an offer, the reason it is withdrawn, or None (unknown to the package)


def installed_version() -> str | None:
    """The installed genai-prices version, read from its metadata (without importing it); None if absent."""
    try:
        dist = metadata.distribution("genai-prices")
    except metadata.PackageNotFoundError:
        return None
    return header_version(dist.read_text("METADATA")) or dist.version


def header_version(text: str | None) -> str | None:
    """The ``Version`` field of a core-metadata text, read from its header lines alone: ``metadata.version`` parses
    the whole file with the email parser (the long description included: about 3 ms, every run); None if absent."""
    for line in (text or "").splitlines():
        if not line.strip():  # the headers end at the first blank line; the description follows
            return None
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "version":
            return value.strip() or None
    return None


def _folder() -> Path | None:
    base = os.environ.get(CACHE_DIR_ENV)
    if base == "off":
        return None
    if base:
        return Path(base) / "api_prices"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llmplace", appauthor=False)) / "api_prices"


def cache_key(version: str, alias: ApiAlias, as_of: str) -> str:
    """The entry's name: a hash of the format, the package version, the alias row and the data date."""
    text = json.dumps([FORMAT, version, alias.model_dump(mode="json"), as_of], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def read(key: str) -> tuple[Priced] | None:
    """The stored value, as a 1-tuple (the value may be None), or None when there is no usable entry."""
    folder = _folder()
    if folder is None:
        return None
    try:
        doc = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if doc["kind"] == "offer":
            return (ApiOffer.model_validate(doc["value"]),)
        if doc["kind"] == "withdrawn":
            return (str(doc["value"]),)
        return (None,) if doc["kind"] == "unknown" else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(key: str, value: Priced) -> None:
    """Store ``value`` under ``key`` (written whole, then renamed into place); any failure is ignored."""
    folder = _folder()
    if folder is None:
        return
    doc: dict[str, Any]
    if isinstance(value, ApiOffer):
        doc = {"kind": "offer", "value": value.model_dump(mode="json")}
    else:
        doc = {"kind": "withdrawn", "value": value} if isinstance(value, str) else {"kind": "unknown", "value": None}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False, encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(fh.name, folder / f"{key}.json")
    except OSError:
        return
