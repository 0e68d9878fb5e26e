"""``catalog refresh`` against recorded responses, and user catalogs (``--catalog DIR``).

No test reaches the network: the refresh gets its payloads from ``tests/data/refresh`` (a cut of
genai-prices' published live price data and two Azure Retail Prices API pages, see the README there)
through an injected fetcher.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import pytest

from llmplace import catalog
from llmplace.catalog import _typed
from llmplace.catalog.aws_prices import AWS_OFFER_URL
from llmplace.catalog.azure_prices import AZURE_PRICES_URL, azure_url
from llmplace.catalog.overlay import refreshed_dir
from llmplace.catalog.refresh import RefreshError, RefreshReport, bundled_instances, refresh
from llmplace.catalog.specs import ApiAlias, CloudSpec
from llmplace.errors import InputError

RECORDED = Path(__file__).parent / "data" / "refresh" / "genai_prices_v2.json"
DAY = dt.date(2026, 12, 3)
BUNDLED = resources.files("llmplace.catalog").joinpath("data")


@pytest.fixture(autouse=True)
def _clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LLMPLACE_DATA_DIR", str(tmp_path / "data"))
    catalog.use_catalogs([])
    catalog.use_scenario_catalogs([])
    yield
    catalog.use_catalogs([])
    catalog.use_scenario_catalogs([])


def _aliases() -> list[ApiAlias]:
    return _typed("api_aliases.csv", ApiAlias)


def _refresh(payload: bytes) -> object:
    return refresh(_aliases(), fetch=lambda url: payload, today=DAY, withdrawn=catalog.withdrawn_api_offers(),
                   sources=("api",))


def _digest(name: str) -> str:
    return hashlib.sha256(BUNDLED.joinpath(name).read_bytes()).hexdigest()


def test_refresh_writes_dated_rows_that_compare_then_uses() -> None:
    """Together's Llama 3.3 70B Turbo is $0.88 in and out per Mtok in the recorded data (genai-prices
    @47df840); after the refresh the offer carries the fetch date and says it was refreshed."""
    before = _digest("api_overrides.csv")
    report = _refresh(RECORDED.read_bytes())
    assert (refreshed_dir() / "api_overrides.csv").is_file() and (refreshed_dir() / "manifest.json").is_file()
    assert report.api_rows > 100  # type: ignore[attr-defined]
    catalog.reload()
    offer = catalog.get_api_offer("together", "llama-3.3-70b")
    assert (offer.input_usd_per_mtok, offer.output_usd_per_mtok) == (0.88, 0.88)
    assert offer.as_of == "2026-12-03" and offer.source.startswith("refreshed 2026-12-03")
    assert _digest("api_overrides.csv") == before  # the bundled snapshot is never written


def test_retired_offers_stay_withdrawn_after_a_refresh() -> None:
    """An alias retired on or before the fetch date (api_aliases.csv retired_on) is not re-offered."""
    report = _refresh(RECORDED.read_bytes())
    retired = [a for a in _aliases() if a.retired_on is not None and a.retired_on <= DAY]
    assert retired
    assert all(any(n.startswith(f"{a.provider}/{a.model} (") for n in report.not_priced)  # type: ignore[attr-defined]
               for a in retired)
    catalog.reload()
    assert all(catalog.withdrawn_api_offer(a.provider, a.model) is not None for a in retired)


def test_offers_the_bundled_catalog_withdrew_stay_withdrawn() -> None:
    """The recorded data (Aug-2026) still lists avian's Llama 3.1 405B, which genai-prices 0.2.3 marks
    deprecated; a refresh must not bring it back (the first version did: 'avian/llama-3.1-405b: added')."""
    withdrawn = catalog.withdrawn_api_offers()
    assert "avian/llama-3.1-405b" in withdrawn
    _refresh(RECORDED.read_bytes())
    catalog.reload()
    assert catalog.withdrawn_api_offer("avian", "llama-3.1-405b") is not None
    assert not [o for o in catalog.api_offers() if o.id == "avian/llama-3.1-405b"]


@pytest.mark.parametrize("payload", [
    pytest.param(RECORDED.read_bytes()[:5000], id="truncated-json"),
    pytest.param(b'{"providers": []}', id="not-a-list"),
    pytest.param(b'[{"id": "together", "models": "oops"}]', id="schema-invalid"),
])
def test_a_malformed_response_writes_nothing_and_keeps_the_earlier_snapshot(payload: bytes) -> None:
    _refresh(RECORDED.read_bytes())
    earlier = (refreshed_dir() / "api_overrides.csv").read_bytes()
    with pytest.raises(RefreshError, match="nothing written"):
        _refresh(payload)
    assert (refreshed_dir() / "api_overrides.csv").read_bytes() == earlier
    assert not [p for p in refreshed_dir().parent.iterdir() if p.name.startswith(".catalog-")]


def test_a_partial_response_writes_nothing() -> None:
    """Only 2 of the catalog's ~25 API providers: refused as partial (more than 25% missing)."""
    import json

    providers = json.loads(RECORDED.read_bytes())
    partial = json.dumps([p for p in providers if p["id"] in ("together", "groq")]).encode()
    with pytest.raises(RefreshError, match="partial"):
        _refresh(partial)
    assert not refreshed_dir().exists()


def _user_catalog(tmp_path: Path, text: str, name: str = "servers.csv") -> Path:
    d = tmp_path / "mine"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_a_negotiated_quote_overrides_the_bundled_row_and_is_marked(tmp_path: Path) -> None:
    d = _user_catalog(tmp_path, "id,purchase_usd,as_of,source\nhgx-h100-8x-oem,250000,2026-11,Quote Q-1\n")
    catalog.use_catalogs([d])
    row = catalog.get_server("hgx-h100")  # the bundled alias still resolves
    assert row.purchase_usd == 250_000 and row.gpu_count == 8
    assert row.purchase_usd_low is None  # the bundled range does not describe the user's quote
    assert row.source.startswith(f"user catalog {d.resolve()} (servers.csv line 2): Quote Q-1")


def test_a_private_model_row_is_added(tmp_path: Path) -> None:
    base = catalog.get_model("llama-3.3-70b").model_dump(exclude_none=True)
    base.update(id="acme-70b", aliases="", as_of="2026-11", source="internal model card")
    header = ",".join(k for k in base if not isinstance(base[k], (tuple, list, dict)))
    values = ",".join(str(base[k]) for k in header.split(","))
    catalog.use_catalogs([_user_catalog(tmp_path, header + "\n" + values + "\n", "models.csv")])
    assert catalog.get_model("acme-70b").source.startswith("user catalog")


@pytest.mark.parametrize(("text", "needle"), [
    ("id,purchase_usd,as_of,source\nhgx-h100-8x-oem,cheap,2026-11,q\n", "line 2 purchase_usd"),
    ("id,purchase_usd,source\nhgx-h100-8x-oem,1,q\n", "line 2 as_of"),
    ("id,purchse_usd,as_of,source\nhgx-h100-8x-oem,1,2026-11,q\n", "purchse_usd"),
    ("id,name,as_of,source\nnew-box,New box,2026-11,q\n", "line 2"),  # a new row lacks gpu, gpu_count ...
])
def test_a_bad_user_row_is_one_line_naming_file_line_and_column(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(InputError) as exc:
        catalog.use_catalogs([_user_catalog(tmp_path, text)])
        catalog.get_server("hgx-h100")
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_cli_compare_marks_user_rows_and_refuses_a_bad_directory(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = _user_catalog(tmp_path, "id,purchase_usd,as_of,source\nhgx-h100-8x-oem,250000,2026-11,Quote Q-1\n")
    res = invoke("compare", "examples/internal-assistant-70b.yaml", "--catalog", str(d), "--json")
    assert res.exit_code == 0
    assert "user catalog" in res.stdout and "Quote Q-1" in res.stdout
    bad = invoke("compare", "examples/internal-assistant-70b.yaml", "--catalog", str(tmp_path / "none"))
    assert bad.exit_code == 2 and "--catalog" in bad.stderr


def test_cli_diff_lists_changed_prices_after_a_refresh(invoke) -> None:  # type: ignore[no-untyped-def]
    _refresh(RECORDED.read_bytes())
    catalog.reload()
    res = invoke("catalog", "diff")
    assert res.exit_code == 0 and "refreshed 2026-12-03" in res.stdout
    assert "apis " in res.stdout and "-> " in res.stdout


def test_a_scenario_file_names_its_own_catalog_relative_to_itself(tmp_path: Path) -> None:
    """catalog_dirs in the file: the quote applies to that file only; the next file without it uses none."""
    import yaml

    from llmplace import load_scenario

    _user_catalog(tmp_path, "id,purchase_usd,as_of,source\nhgx-h100-8x-oem,250000,2026-11,Quote Q-1\n")
    doc = yaml.safe_load(Path("examples/internal-assistant-70b.yaml").read_text(encoding="utf-8"))
    (tmp_path / "with.yaml").write_text(yaml.safe_dump({**doc, "catalog_dirs": ["mine"]}), encoding="utf-8")
    (tmp_path / "without.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    load_scenario(tmp_path / "with.yaml")
    assert catalog.get_server("hgx-h100").purchase_usd == 250_000
    load_scenario(tmp_path / "without.yaml")
    assert catalog.get_server("hgx-h100").purchase_usd == 317_000
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({**doc, "catalog_dirs": ["nowhere"]}), encoding="utf-8")
    with pytest.raises(InputError, match="catalog_dirs"):
        load_scenario(tmp_path / "bad.yaml")


AZURE_PAGES = [Path(__file__).parent / "data" / "refresh" / f"azure_retail_page{i}.json" for i in (1, 2)]


def _azure_fetch(pages: list[bytes]) -> Callable[[str], bytes]:
    """Page 1 for the first URL, page 2 for the NextPageLink (``$skip=1000``), genai-prices' data otherwise."""
    def fetch(url: str) -> bytes:
        if url.startswith(AZURE_PRICES_URL) or url.startswith("https://prices.azure.com:443/"):
            return pages[1] if "$skip=1000" in url else pages[0]
        return RECORDED.read_bytes()
    return fetch


def _azure_refresh(pages: list[bytes] | None = None, sources: tuple[str, ...] = ("azure",)) -> RefreshReport:
    return refresh(_aliases(), fetch=_azure_fetch(pages or [p.read_bytes() for p in AZURE_PAGES]), today=DAY,
                   withdrawn=catalog.withdrawn_api_offers(), sources=sources)


def test_azure_refresh_prices_linux_on_demand_spot_and_reservations_per_region() -> None:
    """ND96isr H100 v5 in eastus: Linux pay-as-you-go 98.32 $/h, spot 18.169536 $/h (the recorded meters;
    the Windows 102.736 and low-priority 41.094 meters are not Linux/spot offers). A 1-year reservation
    meter of $551,221.25 is the whole term's charge: / 8,760 h = 62.9248 $/h, what a commitment costs
    per hour used or not. The westus meter in force (127.816) wins over the superseded 140.0 one. Ten
    (VM size, region) pairs have a Linux pay-as-you-go meter in the two pages."""
    report = _azure_refresh()
    assert report.cloud_rows == 10 and report.api_rows == 0
    catalog.reload()
    h100 = catalog.get_cloud("azure/Standard_ND96isr_H100_v5/eastus")
    assert (h100.gpu, h100.gpu_count, h100.on_demand_usd_per_hour) == ("h100-sxm", 8, 98.32)
    assert h100.spot_usd_per_hour == pytest.approx(18.169536)
    assert h100.reserved_1y_usd_per_hour == pytest.approx(62.9248, abs=1e-4)
    assert h100.reserved_3y_usd_per_hour == pytest.approx(43.1625, abs=1e-4)
    assert h100.as_of == "2026-12-03" and "Azure Retail Prices API" in h100.source
    assert h100.source.startswith("refreshed 2026-12-03") and h100.default_region
    assert catalog.get_cloud("azure/Standard_ND96isr_H100_v5/westus").on_demand_usd_per_hour == 127.816
    added = catalog.get_cloud("azure/Standard_NC24ads_A100_v4/westeurope")  # a region the bundled rows lack
    assert (added.gpu, added.on_demand_usd_per_hour, added.default_region) == ("a100-80gb", 3.672, False)
    assert _digest("clouds.csv") == hashlib.sha256(BUNDLED.joinpath("clouds.csv").read_bytes()).hexdigest()


def test_a_bundled_spot_price_the_api_lacks_is_kept_and_said_so() -> None:
    """westus3 NC24ads A100 v4 has a bundled spot price (0.40403) but no spot meter in the recorded
    pages: the refreshed row keeps it (overlay inheritance) and its notes say so, so no price is
    silently re-dated; westus2, which the pages do not price at all, keeps its bundled row unchanged."""
    _azure_refresh()
    catalog.reload()
    westus3 = catalog.get_cloud("azure/Standard_NC24ads_A100_v4/westus3")
    assert westus3.spot_usd_per_hour == 0.40403 and "kept from the bundled row" in (westus3.notes or "")
    westus2 = catalog.get_cloud("azure/Standard_NC24ads_A100_v4/westus2")
    assert westus2.as_of.startswith("catalog snapshot") and not westus2.source.startswith("refreshed")


def test_refreshing_one_source_keeps_the_other_sources_file() -> None:
    _refresh(RECORDED.read_bytes())
    api_before = (refreshed_dir() / "api_overrides.csv").read_bytes()
    _azure_refresh()
    assert (refreshed_dir() / "api_overrides.csv").read_bytes() == api_before
    assert (refreshed_dir() / "clouds.csv").is_file()


def _broken(mutate: Callable[[dict[str, Any]], None]) -> list[bytes]:
    doc = json.loads(AZURE_PAGES[0].read_bytes())
    mutate(doc)
    return [json.dumps(doc).encode(), AZURE_PAGES[1].read_bytes()]


@pytest.mark.parametrize(("pages", "needle"), [
    pytest.param([AZURE_PAGES[0].read_bytes()[:3000], AZURE_PAGES[1].read_bytes()], "not valid JSON", id="truncated"),
    pytest.param(_broken(lambda d: d.pop("Items")), "no Items", id="no-items"),
    pytest.param(_broken(lambda d: d["Items"][0].update(retailPrice="call us")), "does not validate", id="bad-price"),
    pytest.param(_broken(lambda d: d["Items"][0].update(currencyCode="EUR")), "does not validate", id="not-usd"),
    pytest.param(_broken(lambda d: d.update(NextPageLink="https://example.com/x")), "unexpected next page",
                 id="foreign-next-page"),
    pytest.param(_broken(lambda d: d.update(NextPageLink=None)), "partial", id="second-page-missing"),
])
def test_a_malformed_or_partial_azure_response_writes_nothing(pages: list[bytes], needle: str) -> None:
    """The second-page-missing case prices 2 of the 5 catalog VM sizes (40% < 75%): refused as partial."""
    _refresh(RECORDED.read_bytes())
    earlier = sorted(p.name for p in refreshed_dir().iterdir())
    with pytest.raises(RefreshError, match=needle):
        _azure_refresh(pages, sources=("api", "azure"))
    assert sorted(p.name for p in refreshed_dir().iterdir()) == earlier  # no clouds.csv, api file as before
    assert not [p for p in refreshed_dir().parent.iterdir() if p.name.startswith(".catalog-")]


def test_the_azure_query_asks_only_for_the_catalogs_gpu_vm_sizes() -> None:
    url = azure_url(["Standard_ND96isr_H100_v5", "Standard_NC24ads_A100_v4"])
    assert url.startswith(AZURE_PRICES_URL + "?currencyCode='USD'&$filter=")
    assert "armSkuName%20eq%20'Standard_NC24ads_A100_v4'%20or%20armSkuName" in url


def test_cli_refresh_reads_both_sources_and_refuses_an_unknown_one(invoke, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The command itself (it imported from a module path that no longer existed after the cli package split)."""
    from llmplace.catalog import refresh as refresh_module

    monkeypatch.setattr(refresh_module, "urllib_fetch", _azure_fetch([p.read_bytes() for p in AZURE_PAGES]))
    monkeypatch.setattr(refresh_module, "urllib_stream", _no_network)
    res = invoke("catalog", "refresh")
    assert res.exit_code == 0, res.stderr
    assert "API prices and 10 Azure instance prices fetched" in res.stdout
    bad = invoke("catalog", "refresh", "--source", "gcp")
    assert bad.exit_code == 2 and "--source" in bad.stderr


AWS_FILE = Path(__file__).parent / "data" / "refresh" / "aws_ec2_us-east-1.csv"


def _no_network(url: str) -> NoReturn:
    raise AssertionError(f"a test tried to open {url}")


def _aws_instances() -> list[CloudSpec]:
    return [r for r in bundled_instances("aws") if r.region == "us-east-1"
            and r.instance_type in ("g6.xlarge", "p5.48xlarge", "inf2.xlarge")]


def _aws_refresh(text: bytes) -> RefreshReport:
    def stream(url: str) -> io.BytesIO:
        assert url == AWS_OFFER_URL.format(region="us-east-1")
        return io.BytesIO(text)
    return refresh(_aliases(), fetch=_no_network, stream=stream, today=DAY, sources=("aws",),
                   instances=_aws_instances())


def test_aws_refresh_reads_linux_shared_on_demand_and_standard_no_upfront_reservations() -> None:
    """g6.xlarge in us-east-1: Linux, shared tenancy, on demand 0.8048 $/h; 1-year standard no-upfront RI
    0.52392 $/h and 3-year 0.3694 $/h. The Windows (0.9888), dedicated (0.8853), partial-upfront (0.50) and
    convertible (0.60) rows of the same instance are other offers, and so is the Boston Local Zone's 0.9712
    in the same file; a zero-priced unused capacity reservation is not a price. The price list has no spot
    prices: the bundled spot figure stays, said so."""
    report = _aws_refresh(AWS_FILE.read_bytes())
    assert report.cloud_rows == 3 and report.not_priced == []
    catalog.reload()
    g6 = catalog.get_cloud("aws/g6.xlarge/us-east-1")
    assert (g6.on_demand_usd_per_hour, g6.reserved_1y_usd_per_hour, g6.reserved_3y_usd_per_hour) == (
        0.8048, 0.52392, 0.3694)
    assert g6.as_of == "2026-12-03" and "AWS Price List bulk file" in g6.source and g6.default_region
    assert g6.spot_usd_per_hour == 0.38205 and "kept from the bundled row" in (g6.notes or "")
    p5 = catalog.get_cloud("aws/p5.48xlarge/us-east-1")
    assert (p5.gpu, p5.gpu_count, p5.on_demand_usd_per_hour, p5.reserved_1y_usd_per_hour) == (
        "h100-sxm", 8, 55.04, 34.6752)


def test_an_aws_refresh_keeps_the_azure_rows_an_earlier_refresh_wrote() -> None:
    _azure_refresh()
    _aws_refresh(AWS_FILE.read_bytes())
    catalog.reload()
    assert catalog.get_cloud("azure/Standard_NC24ads_A100_v4/westeurope").source.startswith("refreshed")
    assert catalog.get_cloud("aws/inf2.xlarge/us-east-1").source.startswith("refreshed")


@pytest.mark.parametrize(("text", "needle"), [
    pytest.param(b"<html>Access Denied</html>", "no header row", id="not-the-file"),
    pytest.param(AWS_FILE.read_bytes().replace(b'"PricePerUnit"', b'"Price"'), "lacks column", id="renamed-column"),
    pytest.param(AWS_FILE.read_bytes().replace(b'"55.04"', b'"n/a"', 1), "does not parse", id="bad-price"),
    pytest.param(b"\n".join(line for line in AWS_FILE.read_bytes().splitlines() if b"p5.48xlarge" not in line
                            and b"inf2" not in line), "partial", id="two-of-three-types-missing"),
])
def test_a_malformed_or_partial_aws_file_writes_nothing(text: bytes, needle: str) -> None:
    with pytest.raises(RefreshError, match=needle):
        _aws_refresh(text)
    assert not refreshed_dir().exists()
