"""The catalog-wide sweep: one scenario per model x accelerator, built on a base scenario.

Each scenario keeps the base's workload, finance, site, constraints and criteria, sets ``model.name``, and
replaces the options with every in-house server build and every default-region cloud instance (on demand)
carrying that accelerator, plus the API providers of the spec that price the model. A model that does not
fit an accelerator still gets its rows: the option is infeasible and the table says why. A model and
accelerator with no server build, no instance and no API option are left out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .. import catalog
from ..conventions import MAX_OPTIONS
from ..errors import InputError
from .spec import CatalogSweep, Task, check_count

__all__ = ["catalog_tasks"]


def _ids(kind: str, names: list[str] | str, field: str) -> list[str]:
    if names == "all":
        return [row.id for row in catalog.table(kind)]
    getter = {"models": catalog.get_model, "gpus": catalog.get_gpu}[kind]
    return [getter(n, field).id for n in names]


def _options(model: str, gpu: str, providers: list[str] | str) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = [{"kind": "in_house", "id": f"own-{s.id}", "server": s.id}
                                     for s in catalog.table("servers") if s.gpu == gpu]
    options += [{"kind": "cloud", "id": c.id.replace("/", "-"), "instance": c.id}
                for c in catalog.table("clouds") if c.gpu == gpu and c.default_region]
    offers = {o.provider for o in catalog.api_offers(model)}
    wanted = sorted(offers) if providers == "all" else [p for p in providers if p in offers]
    options += [{"kind": "api", "id": f"api-{p}", "provider": p} for p in wanted]
    return options


def catalog_tasks(sweep: CatalogSweep, base_path: Path, doc: Any) -> list[Task]:
    """Every model x accelerator scenario of a catalog sweep (see the module docstring)."""
    if not isinstance(doc, dict):
        raise InputError("sweep spec base", str(base_path), "a scenario file (a mapping of fields)")
    models = _ids("models", sweep.models, "sweep spec catalog.models")
    gpus = _ids("gpus", sweep.gpus, "sweep spec catalog.gpus")
    check_count(len(models) * len(gpus))
    tasks: list[Task] = []
    for model in models:
        for gpu in gpus:
            options = _options(model, gpu, sweep.providers)
            if not any(o["kind"] != "api" for o in options):
                continue
            if len(options) > MAX_OPTIONS:
                raise InputError("sweep spec catalog", f"{model} x {gpu}: {len(options)} options",
                                 f"at most {MAX_OPTIONS} options per scenario (name fewer providers)")
            one = copy.deepcopy(doc)
            one.setdefault("model", {})["name"] = model
            one["options"] = options
            one.pop("phased", None)  # phased plans name the base's options
            columns = {"model": model, "gpu": gpu}
            tasks.append(Task(len(tasks), json.dumps(columns, sort_keys=True), columns, one, str(base_path)))
    if not tasks:
        raise InputError("sweep spec catalog", sweep.model_dump(), "models and gpus with at least one server build "
                         "or cloud instance")
    return tasks
