"""A bounded cache of finished compare and report answers, and one computation per identical request.

A comparison is deterministic: the same scenario document, Monte Carlo samples and seed, read against
the same catalog by the same version of llmplace, give the same answer byte for byte. The web app
re-posts its form unchanged, and several people open the same saved scenario, so the REST API keeps the
last answers it sent (:class:`ResultCache`) and sends them again in a few milliseconds.

* Key: a SHA-256 digest of the endpoint, the report format, the request's ``samples`` and ``seed``
  (as given: the default depends on the document only), the scenario document as JSON (key order
  kept), the llmplace version, today's date (the report dates its staleness warning) and the catalog
  fingerprint (:func:`llmplace.catalog.catalog_fingerprint`: bundled files, refreshed prices, user
  catalogs). When the fingerprint changes, every entry is dropped.
* Bounds: at most :data:`MAX_ENTRIES` answers and ``LLMPLACE_RESULT_CACHE_MB`` MiB of answer bodies
  (default :data:`DEFAULT_CACHE_MB`), least recently used first out; ``0`` switches the cache off. An
  answer larger than an eighth of the bound is not kept.
* Only successful answers are kept; an invalid input is checked again each time.
* Single flight: while one request computes an answer, identical requests wait for it instead of
  computing it again. A waiting request whose client disconnects stops waiting (the progress callback
  raises); when the computing request fails or its client disconnects, the waiting ones compute it
  themselves.

Answers carry ``X-Llmplace-Cache: hit`` (sent again), ``shared`` (computed once for several identical
requests in flight) or ``miss`` (computed for this request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..catalog import catalog_fingerprint
from ..errors import InputError

__all__ = ["CACHE_ENV", "CACHE_HEADER", "DEFAULT_CACHE_MB", "MAX_ENTRIES", "CachedAnswer", "ResultCache",
           "cache_from_environment"]

#: environment variable: the cache's size [MiB]; 0 switches it off
CACHE_ENV = "LLMPLACE_RESULT_CACHE_MB"
#: default size of the answer bodies kept [MiB] (a compare answer is 20-200 kB, an HTML report about 1 MB)
DEFAULT_CACHE_MB = 64
#: the most answers kept, whatever their size
MAX_ENTRIES = 256
#: response header saying whether an answer was computed for the request (``miss``) or not
CACHE_HEADER = "X-Llmplace-Cache"
#: how often a request waiting for an identical one checks whether its own client is still there [s]
WAIT_POLL_S = 0.05

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CachedAnswer:
    """A successful answer: its body, media type and headers."""

    body: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


def request_key(endpoint: str, document: Any, params: Mapping[str, Any], fingerprint: str) -> str:
    """The cache key of a request (see the module docstring)."""
    text = json.dumps([endpoint, sorted(params.items()), __version__, dt.date.today().isoformat(), fingerprint,
                       document], ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class ResultCache:
    """Finished answers by request key, bounded by count and bytes (least recently used out)."""

    def __init__(self, max_bytes: int, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entries = max(0, max_entries)
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._flights: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._bytes = 0
        self._fingerprint = ""
        self.hits = self.misses = self.shared = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.max_entries > 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses,
                    "shared": self.shared}

    def key(self, endpoint: str, document: Any, **params: Any) -> str:
        """The key of a request; drops every entry when the catalog changed since the last request."""
        fingerprint = catalog_fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._entries.clear()
                self._bytes = 0
                self._fingerprint = fingerprint
        return request_key(endpoint, document, params, fingerprint)

    def _get(self, key: str) -> CachedAnswer | None:
        answer = self._entries.get(key)
        if answer is not None:
            self._entries.move_to_end(key)
        return answer

    def _put(self, key: str, answer: CachedAnswer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 8 or key in self._entries:
            return
        self._entries[key] = answer
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body)

    def answer(self, key: str, compute: Callable[[], CachedAnswer], progress: Progress) -> tuple[CachedAnswer, str]:
        """The answer for ``key`` and how it was obtained (``hit``, ``shared`` or ``miss``)."""
        if not self.enabled:
            return compute(), "miss"
        with self._lock:
            found = self._get(key)
            if found is not None:
                self.hits += 1
                return found, "hit"
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = threading.Event()
        if not leader:
            return self._follow(key, flight, compute, progress)
        try:
            result = compute()
            with self._lock:
                self.misses += 1
                self._put(key, result)
            return result, "miss"
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.set()

    def _follow(self, key: str, flight: threading.Event, compute: Callable[[], CachedAnswer],
                progress: Progress) -> tuple[CachedAnswer, str]:
        """Wait for the identical request in flight; compute here when it ended without an answer."""
        while not flight.wait(WAIT_POLL_S):
            progress(0, 0)  # raises when this request's client has gone
        with self._lock:
            found = self._get(key)
            if found is not None:
                self.shared += 1
                return found, "shared"
            self.misses += 1
        return compute(), "miss"


def cache_from_environment() -> ResultCache:
    """A cache of ``$LLMPLACE_RESULT_CACHE_MB`` MiB (default :data:`DEFAULT_CACHE_MB`; 0: off)."""
    raw = os.environ.get(CACHE_ENV, "").strip()
    if not raw:
        return ResultCache(DEFAULT_CACHE_MB * 2**20)
    try:
        mib = float(raw)
    except ValueError:
        mib = -1.0
    if not 0 <= mib <= 2**20:
        raise InputError(CACHE_ENV, raw, "a size in MiB from 0 (no cache) to 1048576")
    return ResultCache(int(mib * 2**20))
