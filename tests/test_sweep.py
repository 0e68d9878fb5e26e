"""Sweeps: many scenarios into one tidy table, locally or on a Dask cluster, resumable after a stop.

The expected values are never the sweep's own: each scenario of the grid is rebuilt here by writing its two
values into the example's document and running an independent ``compare`` (the same arithmetic, so the
tolerance is 1e-9 relative). The cluster and the resumed run must give the very same table as the local run.
"""

from __future__ import annotations

import copy
import itertools
import json
import sys

import pytest
import yaml

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from llmplace import compare  # noqa: E402
from llmplace.errors import InputError  # noqa: E402
from llmplace.sweep import SweepStopped, expand, load_spec, run_sweep  # noqa: E402

from .conftest import EXAMPLES  # noqa: E402

BASE = next(p for p in EXAMPLES if p.stem == "classification-8b")
VOLUMES = [1.0e7, 1.5e8, 1.0e9]  # requests a month
HORIZONS = [36, 60]


def _spec(folder, **extra) -> str:
    spec = {"base": str(BASE), "grid": {"workload.requests_per_month": VOLUMES, "finance.horizon_months": HORIZONS}}
    spec.update(extra)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")  # the grid's order is the rows' order
    return str(path)


@pytest.fixture(scope="module")
def local_table(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    summary = run_sweep(_spec(folder), folder / "local.parquet", workers=2)
    assert (summary.scenarios, summary.computed, summary.resumed, summary.refused) == (6, 6, 0, 0)
    assert not (folder / "local.parquet.parts").exists()  # the parts are gone once the table is written
    return pq.read_table(folder / "local.parquet"), folder


def test_local_table_matches_an_independent_compare_of_each_scenario(local_table):
    table, folder = local_table
    rows = table.to_pylist()
    doc = yaml.safe_load(BASE.read_text())
    totals = set()
    for index, (volume, horizon) in enumerate(itertools.product(VOLUMES, HORIZONS)):
        one = copy.deepcopy(doc)
        one["workload"]["requests_per_month"] = volume
        one["finance"]["horizon_months"] = horizon
        result = compare(one, samples=0)
        mine = [r for r in rows if r["scenario_index"] == index]
        assert [r["option_id"] for r in mine] == [o.id for o in result.options]
        for r in mine:
            o = result.option(r["option_id"])
            assert (r["workload.requests_per_month"], r["finance.horizon_months"]) == (volume, horizon)
            assert r["tco_usd"] == pytest.approx(o.tco_usd, rel=1e-9)
            assert r["upfront_usd"] == pytest.approx(o.upfront_usd, rel=1e-9)
            assert r["cheapest"] == (o.id == result.cheapest)
            assert r["recommended"] == (o.id == result.recommendation.option)
            assert r["kind"] == o.kind and r["eligible"] == o.criteria.eligible
        totals.add(result.options[0].tco_usd)
    assert len(totals) == 6  # every scenario costs differently, so a mix-up of scenarios would show
    notes = json.loads(table.schema.metadata[b"llmplace.notes"])  # the table says what its TCO is
    assert any("cash view" in n for n in notes)
    csv = (folder / "local.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv) == table.num_rows + 1 and csv[0].split(",")[:2] == ['"workload.requests_per_month"',
                                                                         '"finance.horizon_months"']


def test_two_worker_dask_cluster_gives_the_same_table(local_table):
    distributed = pytest.importorskip("distributed")
    table, folder = local_table
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        summary = run_sweep(_spec(folder), folder / "cluster.parquet", cluster=cl.scheduler_address)
    assert summary.engine.startswith("dask tcp://") and summary.computed == 6
    assert pq.read_table(folder / "cluster.parquet").equals(table)


def test_a_stopped_sweep_resumes_where_it_stopped(local_table, tmp_path):
    table, _ = local_table
    spec, out = _spec(tmp_path), tmp_path / "resumed.parquet"
    with pytest.raises(SweepStopped):
        run_sweep(spec, out, workers=1, stop_after_chunks=2)  # one process: 6 scenarios in 3 chunks of 2
    manifest = (tmp_path / "resumed.parquet.parts" / "manifest.jsonl").read_text().splitlines()
    done = sum(len(json.loads(line)["keys"]) for line in manifest)
    assert len(manifest) == 2 and done == 4 and not out.exists()
    summary = run_sweep(spec, out, workers=2)
    assert (summary.resumed, summary.computed) == (4, 2)
    assert pq.read_table(out).equals(table)


def test_a_changed_spec_is_refused_on_resume_unless_restart(tmp_path, invoke):
    out = tmp_path / "t.parquet"
    with pytest.raises(SweepStopped):
        run_sweep(_spec(tmp_path), out, workers=1, stop_after_chunks=1)
    spec = _spec(tmp_path, samples=0, seed=7)  # a new seed: a different sweep
    res = invoke("sweep", spec, "-o", str(out))
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1 and "--restart" in res.output
    assert load_spec(spec)[0].seed == 7
    res = invoke("sweep", spec, "-o", str(out), "--restart", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["resumed"] == 0 and pq.read_table(out).num_rows == 36


def test_a_resume_on_another_llmplace_version_is_refused(tmp_path, monkeypatch):
    """Resuming after an upgrade (or a catalog refresh) would mix rows priced on two catalogs in one table: the
    stopped sweep's digest covers the version and the catalog in force, so the resume is refused."""
    from llmplace.sweep import spec as sweep_spec

    out = tmp_path / "v.parquet"
    with pytest.raises(SweepStopped):
        run_sweep(_spec(tmp_path), out, workers=1, stop_after_chunks=1)
    monkeypatch.setattr(sweep_spec, "installed_version", lambda: "a later version")
    with pytest.raises(InputError, match="llmplace version changed"):
        run_sweep(_spec(tmp_path), out, workers=1)


@pytest.mark.parametrize(("spec", "words"), [
    ({"base": str(BASE), "gird": {"finance.horizon_months": [36]}}, "did you mean 'grid'"),
    ({"base": str(BASE), "grid": {"workload.requests_per_month": [-5]}}, "grid.workload.requests_per_month"),
    ({"base": str(BASE), "grid": {"workload.request_per_month": [5]}}, "workload.request_per_month"),
    ({"base": str(BASE), "grid": {"x": [1]}, "scenarios": ["a.yaml"]}, "exactly one of"),
    ({"grid": {"finance.horizon_months": [36]}}, "base"),
    ({"base": str(BASE), "grid": {"finance.horizon_months": list(range(1, 1002))}}, "1,000"),
    ({"base": str(BASE), "grid": {"finance.horizon_months": [36, 36]}}, "each value once"),
    ({"base": str(BASE), "grid": {"finance.horizon_months": list(range(12, 1012)),  # 10^6 > 10^5: refused
                                  "workload.requests_per_month": list(range(1000, 2000))}}, "at most 100,000"),
    ({"base": str(BASE), "samples": 10}, "exactly one of"),
    ({"scenarios": [str(BASE), str(BASE.parent / "sweeps" / "volume-grid.yaml")]}, "scenarios[1]"),
])
def test_a_bad_spec_is_one_line_and_exit_status_2(tmp_path, invoke, spec, words):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    res = invoke("sweep", str(path), "-o", str(tmp_path / "t.parquet"))
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1 and words in res.output, res.output


def test_a_scenario_the_model_refuses_is_one_row_with_its_error():
    """A grid combination can be refused although each value alone is valid: the sweep keeps going, and the
    scenario's row carries the same one-line message ``compare`` gives."""
    from llmplace.scenario import parse_scenario
    from llmplace.sweep.rows import scenario_rows
    from llmplace.sweep.spec import Task

    doc = yaml.safe_load(BASE.read_text())
    doc["workload"]["requests_per_month"] = -1
    with pytest.raises(InputError) as caught:
        parse_scenario(copy.deepcopy(doc))
    rows = scenario_rows(Task(3, "k", {"x": 1}, doc, str(BASE)), 0, None)
    assert len(rows) == 1 and rows[0]["error"] == str(caught.value)
    assert (rows[0]["x"], rows[0]["scenario_index"], rows[0]["option_id"], rows[0]["tco_usd"]) == (1, 3, None, None)


def test_output_must_be_parquet(tmp_path):
    with pytest.raises(InputError, match="parquet"):
        run_sweep(_spec(tmp_path), tmp_path / "t.csv")


def test_catalog_sweep_pairs_each_model_with_each_accelerator(tmp_path):
    """A catalog sweep: one scenario per model x GPU; its options carry that GPU, or are API offers of the model."""
    from llmplace import catalog

    path = tmp_path / "cat.yaml"
    path.write_text(yaml.safe_dump({"base": str(BASE), "catalog": {"models": ["llama-3.1-8b"],
                                    "gpus": ["h100-sxm", "l40s"], "providers": "all"}}), encoding="utf-8")
    tasks = expand(*load_spec(path))
    assert [t.columns for t in tasks] == [{"model": "llama-3.1-8b", "gpu": "h100-sxm"},
                                          {"model": "llama-3.1-8b", "gpu": "l40s"}]
    for t in tasks:
        for o in t.document["options"]:
            if o["kind"] == "in_house":
                assert catalog.get_server(o["server"]).gpu == t.columns["gpu"]
            elif o["kind"] == "cloud":
                assert catalog.get_cloud(o["instance"]).gpu == t.columns["gpu"]
            else:
                catalog.get_api_offer(o["provider"], "llama-3.1-8b")  # priced, or this raises
        assert t.document["model"]["name"] == "llama-3.1-8b"
    assert json.loads(tasks[0].key) == tasks[0].columns


def test_the_example_specs_expand():
    """The README's example specs stay valid: 3 x 2 grid scenarios; 2 models x 2 GPUs in the catalog sweep."""
    folder = BASE.parent / "sweeps"
    assert len(expand(*load_spec(folder / "volume-grid.yaml"))) == 6
    assert len(expand(*load_spec(folder / "catalog-8b-70b.yaml"))) == 4


def test_missing_pyarrow_names_the_extra(monkeypatch, tmp_path, invoke):
    """Installed without the extra, the command says what to install, in one line, before any work."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails, as when it is not installed
    res = invoke("sweep", _spec(tmp_path), "-o", str(tmp_path / "t.parquet"))
    assert res.exit_code == 2
    assert res.output.strip() == ("error: llmplace sweep needs pyarrow, which is not installed: "
                                  "pip install 'llmplace[sweep]'")
    assert not (tmp_path / "t.parquet.parts").exists()


def test_a_currency_grid_labels_each_row_with_its_currency(tmp_path):
    """finance.currency [USD, EUR]: the money columns keep their _usd names, so each row says which currency
    they hold (the old table had no currency column: EUR amounts sat unlabelled under tco_usd). Every catalog
    price is converted at one reference rate, so each EUR TCO is the USD TCO times the EUR-per-USD rate the
    EUR comparison reports (convention.exchange_rate.units_per_usd), to float rounding (1e-9 relative)."""
    doc = yaml.safe_load(BASE.read_text())
    in_eur = compare({**doc, "finance": {**doc.get("finance", {}), "currency": "EUR"}}, samples=0)
    assert in_eur.convention.exchange_rate is not None
    rate = in_eur.convention.exchange_rate.units_per_usd
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"base": str(BASE), "grid": {"finance.currency": ["USD", "EUR"]}}))
    run_sweep(str(spec), tmp_path / "t.parquet", workers=1)
    table = pq.read_table(tmp_path / "t.parquet")
    rows = table.to_pylist()
    assert {r["currency"] for r in rows} == {"USD", "EUR"}
    assert all(r["currency"] == r["finance.currency"] for r in rows)
    usd = {r["option_id"]: r["tco_usd"] for r in rows if r["currency"] == "USD" and r["tco_usd"] is not None}
    eur = {r["option_id"]: r["tco_usd"] for r in rows if r["currency"] == "EUR" and r["tco_usd"] is not None}
    assert usd and usd.keys() == eur.keys() and rate != 1
    for oid, amount in usd.items():
        assert eur[oid] == pytest.approx(amount * rate, rel=1e-9)
    notes = json.loads(table.schema.metadata[b"llmplace.notes"])
    assert any("row's currency" in n for n in notes)
