"""The REST API's cache of finished answers: same bytes as a fresh answer, misses on any change, bounded,
one computation for identical requests in flight (see llmplace/web/results_cache.py)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from llmplace import catalog  # noqa: E402
from llmplace.errors import InputError  # noqa: E402
from llmplace.web import create_app  # noqa: E402
from llmplace.web.cancel import ClientGone  # noqa: E402
from llmplace.web.results_cache import (  # noqa: E402
    CACHE_ENV,
    CACHE_HEADER,
    CachedAnswer,
    ResultCache,
    cache_from_environment,
)

from .conftest import ROOT  # noqa: E402

EXAMPLE = yaml.safe_load((ROOT / "examples" / "internal-assistant-70b.yaml").read_text(encoding="utf-8"))
COMPARE = "/api/v1/compare?samples=0"


@pytest.fixture
def cached(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(f"sqlite:///{tmp_path / 'c.db'}", result_cache=ResultCache(32 * 2**20))) as c:
        yield c


@pytest.fixture
def uncached(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(f"sqlite:///{tmp_path / 'u.db'}", result_cache=ResultCache(0))) as c:
        yield c


@pytest.fixture
def no_user_catalogs() -> Iterator[None]:
    catalog.use_catalogs([])
    yield
    catalog.use_catalogs([])


def test_a_cached_compare_is_the_fresh_answer_byte_for_byte(cached: TestClient, uncached: TestClient) -> None:
    """The second identical request is served from the cache; its body is the body a server without a cache
    computes for the same request (the web app's re-post of an unchanged form, with Monte Carlo draws)."""
    path = "/api/v1/compare?samples=100&seed=4"
    first, second = cached.post(path, json=EXAMPLE), cached.post(path, json=EXAMPLE)
    fresh = uncached.post(path, json=EXAMPLE)
    assert (first.status_code, second.status_code, fresh.status_code) == (200, 200, 200)
    assert (first.headers[CACHE_HEADER], second.headers[CACHE_HEADER], fresh.headers[CACHE_HEADER]) == (
        "miss", "hit", "miss")
    assert second.content == fresh.content == first.content
    assert second.headers["content-type"] == fresh.headers["content-type"]


def test_a_cached_report_keeps_its_body_and_attachment_name(cached: TestClient, uncached: TestClient) -> None:
    path = "/api/v1/report?format=md&samples=0&download=true"
    cached.post(path, json=EXAMPLE)
    again, fresh = cached.post(path, json=EXAMPLE), uncached.post(path, json=EXAMPLE)
    assert again.headers[CACHE_HEADER] == "hit"
    assert again.content == fresh.content
    assert again.headers["content-disposition"] == fresh.headers["content-disposition"]
    other = cached.post("/api/v1/report?format=md&samples=0", json=EXAMPLE)  # no attachment: another key
    assert other.headers[CACHE_HEADER] == "miss" and "content-disposition" not in other.headers


def test_a_changed_input_or_parameter_misses(cached: TestClient) -> None:
    """One more request a month is another scenario; another seed or sample count another result."""
    cached.post(COMPARE, json=EXAMPLE)
    doc = copy.deepcopy(EXAMPLE)
    doc["workload"]["requests_per_month"] += 1
    changed = cached.post(COMPARE, json=doc)
    assert changed.headers[CACHE_HEADER] == "miss"
    assert changed.json()["demand"] != cached.post(COMPARE, json=EXAMPLE).json()["demand"]
    cache: ResultCache = cached.app.state.result_cache  # type: ignore[attr-defined]
    keys = {cache.key("compare", EXAMPLE, samples=s, seed=seed) for s, seed in ((0, None), (100, 1), (100, 2),
                                                                                  (None, None), (None, 1))}
    assert len(keys) == 5
    assert cache.key("report", EXAMPLE, samples=0, seed=None) != cache.key("compare", EXAMPLE, samples=0, seed=None)


def test_a_changed_catalog_row_misses(cached: TestClient, uncached: TestClient, tmp_path: Path,
                                      no_user_catalogs: None) -> None:
    """A negotiated server quote (a user catalog row) changes the in-house option's TCO: the cached answer
    computed with the bundled price must not be sent again."""
    before = cached.post(COMPARE, json=EXAMPLE)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "servers.csv").write_text("id,purchase_usd,as_of,source\nhgx-h100-8x-oem,200000,2026-11,Quote Q-1\n",
                                      encoding="utf-8")
    catalog.use_catalogs([mine])
    after = cached.post(COMPARE, json=EXAMPLE)
    assert after.headers[CACHE_HEADER] == "miss"
    assert after.content != before.content
    assert after.content == uncached.post(COMPARE, json=EXAMPLE).content


def test_the_fingerprint_follows_a_file_rewritten_on_disk(tmp_path: Path, no_user_catalogs: None) -> None:
    """A refreshed or user catalog file rewritten while the server runs changes the fingerprint."""
    mine = tmp_path / "mine"
    mine.mkdir()
    rows = mine / "servers.csv"
    rows.write_text("id,purchase_usd,as_of,source\nhgx-h100-8x-oem,200000,2026-11,Quote Q-1\n", encoding="utf-8")
    catalog.use_catalogs([mine])
    first = catalog.catalog_fingerprint()
    assert catalog.catalog_fingerprint() == first
    rows.write_text("id,purchase_usd,as_of,source\nhgx-h100-8x-oem,210000,2026-11,Quote Q-2\n", encoding="utf-8")
    assert catalog.catalog_fingerprint() != first


def test_invalid_input_is_never_cached(cached: TestClient) -> None:
    doc = copy.deepcopy(EXAMPLE)
    doc["workload"]["requests_per_month"] = -1
    for _ in range(2):
        r = cached.post(COMPARE, json=doc)
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "workload.requests_per_month"
    assert cached.app.state.result_cache.stats()["entries"] == 0  # type: ignore[attr-defined]


def _answer(n_bytes: int) -> CachedAnswer:
    return CachedAnswer(b"x" * n_bytes, "application/json")


def _ignore(_done: int, _total: int) -> None:
    return None


def test_the_cache_is_bounded_by_count_and_bytes() -> None:
    """Least recently used answers leave first; an answer over an eighth of the byte bound is not kept."""
    cache = ResultCache(max_bytes=8_000, max_entries=3)
    for key in "abc":
        cache.answer(key, lambda: _answer(500), _ignore)
    cache.answer("a", lambda: _answer(500), _ignore)  # a is now the most recently used
    cache.answer("d", lambda: _answer(500), _ignore)  # 4 entries > 3: b leaves
    assert [cache.answer(k, lambda: _answer(500), _ignore)[1] for k in "acd"] == ["hit", "hit", "hit"]
    assert cache.answer("b", lambda: _answer(500), _ignore)[1] == "miss"
    cache.answer("big", lambda: _answer(1_001), _ignore)
    assert cache.answer("big", lambda: _answer(1_001), _ignore)[1] == "miss"
    stats = cache.stats()
    assert stats["entries"] == 3 and stats["bytes"] == 1_500


def test_identical_requests_in_flight_compute_once() -> None:
    """While the first request computes, an identical one waits and gets the same answer ('shared')."""
    cache = ResultCache(2**20)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> CachedAnswer:
        calls.append(1)
        started.set()
        release.wait(10)
        return _answer(10)

    out: dict[str, tuple[CachedAnswer, str]] = {}
    leader = threading.Thread(target=lambda: out.__setitem__("leader", cache.answer("k", slow, _ignore)))
    leader.start()
    started.wait(10)
    follower = threading.Thread(target=lambda: out.__setitem__("follower", cache.answer("k", slow, _ignore)))
    follower.start()
    release.set()
    leader.join(10)
    follower.join(10)
    assert len(calls) == 1
    assert out["leader"][1] == "miss" and out["follower"][1] in ("shared", "hit")
    assert out["follower"][0] is out["leader"][0]


def test_a_waiting_request_stops_when_its_client_leaves_and_computes_when_the_first_fails() -> None:
    cache = ResultCache(2**20)
    started, release = threading.Event(), threading.Event()

    def failing() -> CachedAnswer:
        started.set()
        release.wait(10)
        raise ClientGone("compare")

    def gone(_done: int, _total: int) -> None:
        raise ClientGone("compare")

    errors: list[BaseException] = []

    def lead() -> None:
        try:
            cache.answer("k", failing, _ignore)
        except ClientGone as exc:
            errors.append(exc)

    leader = threading.Thread(target=lead)
    leader.start()
    started.wait(10)
    with pytest.raises(ClientGone):  # this request's own client left while it waited
        cache.answer("k", lambda: _answer(1), gone)
    result: list[tuple[CachedAnswer, str]] = []
    follower = threading.Thread(target=lambda: result.append(cache.answer("k", lambda: _answer(3), _ignore)))
    follower.start()
    release.set()
    leader.join(10)
    follower.join(10)
    assert errors and result[0][0].body == b"xxx" and result[0][1] == "miss"


def test_the_environment_sets_or_switches_off_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "0")
    assert not cache_from_environment().enabled
    monkeypatch.setenv(CACHE_ENV, "16")
    assert cache_from_environment().max_bytes == 16 * 2**20
    monkeypatch.setenv(CACHE_ENV, "lots")
    with pytest.raises(InputError) as err:
        cache_from_environment()
    assert err.value.field == CACHE_ENV and "MiB" in err.value.allowed


def test_worker_processes_answer_as_threads_do(tmp_path: Path, no_user_catalogs: None) -> None:
    """A deterministic compare or report computed in a worker process is the thread's answer byte for byte,
    with the user catalog in force in the server (a negotiated quote), and input errors are the same 422s.
    The workers stop with the app. The one end-to-end test of the process pool: it starts one worker
    process (a few seconds)."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "servers.csv").write_text("id,purchase_usd,as_of,source\nhgx-h100-8x-oem,200000,2026-11,Quote Q-1\n",
                                      encoding="utf-8")
    bad = copy.deepcopy(EXAMPLE)
    bad["options"][0]["server"] = "no-such-server"
    with TestClient(create_app(f"sqlite:///{tmp_path / 'p.db'}", result_cache=ResultCache(0),
                               compute_processes=1)) as pooled, \
            TestClient(create_app(f"sqlite:///{tmp_path / 't.db'}", result_cache=ResultCache(0))) as threads:
        compared: dict[int, str] = {}
        for n_user, user_catalogs in enumerate(([], [mine])):
            catalog.use_catalogs(user_catalogs)
            for path, doc in ((COMPARE, EXAMPLE), ("/api/v1/report?format=md&samples=0&download=true", EXAMPLE),
                              (COMPARE, bad)):
                a, b = pooled.post(path, json=doc), threads.post(path, json=doc)
                assert a.status_code == b.status_code and a.content == b.content
                assert a.headers.get("content-disposition") == b.headers.get("content-disposition")
                if path == COMPARE and doc is EXAMPLE:
                    compared[n_user] = a.text
        assert "Quote Q-1" not in compared[0] and "Quote Q-1" in compared[1]  # the worker read the user catalog
        pool = pooled.app.state.compute_pool  # type: ignore[attr-defined]
        assert not pool.broken
        workers = list(pool._pool._processes.values())
    assert workers and not any(w.is_alive() for w in workers)  # stopped with the app, none left behind


def test_the_number_of_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmplace.web.compute import PROCESSES_ENV, default_processes

    monkeypatch.setenv(PROCESSES_ENV, "0")
    assert default_processes() == 0
    monkeypatch.setenv(PROCESSES_ENV, "3")
    assert default_processes() == 3
    monkeypatch.setenv(PROCESSES_ENV, "-1")
    with pytest.raises(InputError) as err:
        default_processes()
    assert err.value.field == PROCESSES_ENV


def test_a_broken_process_pool_falls_back_to_threads() -> None:
    """When the worker processes die (killed, out of memory), requests are computed in threads from then on
    instead of failing."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from llmplace.web.compute import ComputePool

    class Broken:
        submitted = 0

        def submit(self, *_args: object, **_kwargs: object) -> Future[object]:
            Broken.submitted += 1
            future: Future[object] = Future()
            future.set_exception(BrokenProcessPool("a worker process died"))
            return future

    pool = ComputePool.__new__(ComputePool)
    pool.processes, pool.broken, pool._pool = 1, False, Broken()  # type: ignore[assignment]
    assert pool.run("compare", EXAMPLE, samples=0, seed=None) is None and pool.broken
    assert pool.run("compare", EXAMPLE, samples=0, seed=None) is None and Broken.submitted == 1
