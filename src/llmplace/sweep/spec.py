"""The sweep specification: which scenarios a sweep runs, read from a small YAML file.

Three forms, one per file (a path in the spec is relative to the spec file):

* ``base`` + ``grid``: the cartesian product of every ``grid`` axis set on the base scenario, e.g.
  ``grid: {workload.requests_per_month: [1e6, 1e7], finance.horizon_months: [36, 60]}``;
* ``scenarios``: a list of scenario files, each run as written;
* ``base`` + ``catalog``: one scenario per model x accelerator, comparing every in-house server build and
  every default-region cloud instance with that accelerator against the named API providers that price the
  model (the base's own options are replaced; its workload, finance, site and criteria are kept).

``samples`` (default 0: point values only; a 10,000-draw Monte Carlo takes about 20 times as long as the point
run of the classification example) and ``seed`` apply to every scenario. At most :data:`MAX_SWEEP_SCENARIOS` scenarios.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..conventions import MAX_SAMPLES, MIN_SAMPLES
from ..errors import InputError, field_path
from ..scenario.loading import parse_yaml, scenario_from_document

__all__ = ["MAX_SWEEP_SCENARIOS", "CatalogSweep", "SweepSpec", "Task", "expand", "load_spec", "set_path"]

MAX_SWEEP_SCENARIOS = 100_000  #: scenarios of one sweep (the final table is assembled in memory: ~1e6 rows)
MAX_GRID_VALUES = 1_000  #: values of one grid axis


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class CatalogSweep(_Strict):
    """Every model x accelerator of the catalog (or the lists given), against the named API providers."""

    models: list[str] | Literal["all"] = Field(description="model ids or aliases, or 'all'")
    gpus: list[str] | Literal["all"] = Field(description="accelerator ids or aliases, or 'all'")
    providers: list[str] | Literal["all"] = Field(default_factory=list,
                                                  description="API providers to compare; 'all': every one "
                                                              "that prices the model")


class SweepSpec(_Strict):
    """A sweep: the scenarios to run, the Monte Carlo draws per scenario and the seed."""

    base: str | None = Field(default=None, description="base scenario file (with grid or catalog)")
    grid: dict[str, list[Any]] | None = Field(default=None, description="path -> values (cartesian product)")
    scenarios: list[str] | None = Field(default=None, description="scenario files, each run as written")
    catalog: CatalogSweep | None = None
    samples: int = Field(default=0, description="Monte Carlo draws per scenario; 0: point values only")
    seed: int | None = Field(default=None, ge=0)


@dataclass(frozen=True)
class Task:
    """One scenario of a sweep: its stable key, its columns in the table and the document to run."""

    index: int
    key: str
    columns: dict[str, Any]
    document: dict[str, Any]
    folder: str  #: relative paths in the document (catalog_dirs, trace_csv, hf_config) start here


def _spec_error(exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    where = field_path(err.get("loc", ())) or "spec"
    if err.get("type") == "extra_forbidden":
        key = str(err.get("loc", ("",))[-1])
        near = difflib.get_close_matches(key, list(SweepSpec.model_fields) + list(CatalogSweep.model_fields), 1)
        return InputError(f"sweep spec {where}", key, "base, grid, scenarios, catalog, samples, seed",
                          f"unknown key; did you mean {near[0]!r}?" if near else "unknown key")
    return InputError(f"sweep spec {where}", err.get("input"), err.get("msg", "invalid").removeprefix("Value error, "))


def _read_yaml(path: Path, field: str) -> Any:
    if not path.is_file():
        raise InputError(field, str(path), "a path to an existing YAML or JSON file")
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix.lower() == ".json" else parse_yaml(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(field, str(path), "a readable YAML or JSON file", str(exc).splitlines()[0]) from None
    except Exception as exc:  # noqa: BLE001 - YAML errors come in many classes; one line names the file
        raise InputError(field, str(path), "valid YAML or JSON", type(exc).__name__) from None


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, str) and _NUMBER.fullmatch(value.strip()) else value


def load_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and check a sweep spec file; returns the spec and its folder."""
    p = Path(path)
    data = _read_yaml(p, "SPEC")
    if not isinstance(data, dict):
        raise InputError("SPEC", str(path), "a mapping with base + grid, scenarios, or base + catalog")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise _spec_error(exc) from None
    if spec.grid is not None:  # YAML 1.1 reads 1.0e7 (no sign in the exponent) as text: read it as the number
        spec.grid = {path: [_number(v) for v in values] for path, values in spec.grid.items()}
    forms = [f for f, on in (("grid", spec.grid is not None), ("scenarios", spec.scenarios is not None),
                             ("catalog", spec.catalog is not None)) if on]
    if len(forms) != 1:
        raise InputError("sweep spec", ", ".join(forms) or "none", "exactly one of grid, scenarios, catalog")
    if forms[0] != "scenarios" and spec.base is None:
        raise InputError("sweep spec base", None, f"a base scenario file (the {forms[0]} form needs one)")
    if spec.samples and not MIN_SAMPLES <= spec.samples <= MAX_SAMPLES:
        raise InputError("sweep spec samples", spec.samples, f"0 or a whole number from {MIN_SAMPLES} to "
                         f"{MAX_SAMPLES:,}")
    return spec, p.parent


def installed_version() -> str:
    """The installed llmplace distribution's version ('unknown' when run from a source tree not installed)."""
    from importlib import metadata

    try:
        return metadata.version("llmplace")
    except metadata.PackageNotFoundError:
        return "unknown"


def spec_hash(spec: SweepSpec, tasks: list[Task]) -> str:
    """A digest of what the sweep computes (the spec, every scenario document, the llmplace version and the
    catalog in force: bundled files, refreshed prices, user catalogs), to refuse a resume on changed inputs."""
    from ..catalog import catalog_fingerprint

    body = json.dumps([spec.model_dump(mode="json"), [(t.key, t.document) for t in tasks], installed_version(),
                       catalog_fingerprint(reloads=False)], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _tokens(document: dict[str, Any], path: str) -> list[str | int]:
    """``options.ID.x`` and ``options[1].x`` as keys and list indexes: ``["options", 1, "x"]``."""
    tokens: list[str | int] = [int(i) if i else name for i, name in _TOKEN.findall(path)]
    if "".join(f"[{t}]" if isinstance(t, int) else f".{t}" for t in tokens).lstrip(".") != path or not tokens:
        raise InputError("sweep spec grid", path, "a dotted path of the scenario, e.g. workload.requests_per_month")
    opts = document.get("options")
    if len(tokens) > 2 and tokens[0] == "options" and isinstance(tokens[1], str) and isinstance(opts, list):
        ids = [o.get("id") if isinstance(o, dict) else None for o in opts]
        if tokens[1] not in ids:
            raise InputError("sweep spec grid", path, "options.ID.FIELD with an option id of the base: "
                             + ", ".join(str(i) for i in ids))
        tokens[1] = ids.index(tokens[1])
    return tokens


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of a scenario document (``options[1].plan``, ``options.ID.plan``).

    Every section on the way must exist in the document, except an option's ``overrides`` (created empty).
    """
    tokens = _tokens(document, path)
    node: Any = document
    for step, token in enumerate(tokens):
        last = step == len(tokens) - 1
        if isinstance(token, int):
            if not isinstance(node, list) or token >= len(node):
                raise InputError("sweep spec grid", path, "an index of an existing list item")
        elif not isinstance(node, dict):
            raise InputError("sweep spec grid", path, "a path through sections of the scenario")
        elif token not in node and not last:
            if token != "overrides":
                raise InputError("sweep spec grid", path, "a path whose sections exist in the base scenario",
                                 f"{token!r} is not there")
            node[token] = {}
        if last:
            node[token] = value
            return
        node = node[token]


def _key(columns: dict[str, Any]) -> str:
    return json.dumps(columns, sort_keys=True, default=str)


def _grid_tasks(spec: SweepSpec, base_path: Path) -> list[Task]:
    assert spec.grid is not None
    doc = _read_yaml(base_path, "sweep spec base")
    if not isinstance(doc, dict):
        raise InputError("sweep spec base", str(base_path), "a scenario file (a mapping of fields)")
    if not spec.grid:
        raise InputError("sweep spec grid", {}, "at least one path with a list of values")
    count = 1
    for path, values in spec.grid.items():
        if not 1 <= len(values) <= MAX_GRID_VALUES:
            raise InputError(f"sweep spec grid.{path}", len(values), f"from 1 to {MAX_GRID_VALUES:,} values")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise InputError(f"sweep spec grid.{path}", values, "each value once")
        count *= len(values)
    check_count(count)
    for path, values in spec.grid.items():
        for value in (json.dumps(v, sort_keys=True) for v in values):
            one = copy.deepcopy(doc)
            set_path(one, path, json.loads(value))
            try:
                scenario_from_document(one, base_path)
            except InputError as exc:
                raise InputError(f"sweep spec grid.{path}", json.loads(value), "a value the scenario accepts",
                                 str(exc)) from None
    tasks = []
    paths = list(spec.grid)
    for index, combo in enumerate(itertools.product(*spec.grid.values())):
        one = copy.deepcopy(doc)
        for path, value in zip(paths, combo, strict=True):
            set_path(one, path, value)
        columns = dict(zip(paths, combo, strict=True))
        tasks.append(Task(index, _key(columns), columns, one, str(base_path)))
    return tasks


def check_count(count: int) -> None:
    if count > MAX_SWEEP_SCENARIOS:
        raise InputError("sweep spec", f"{count:,} scenarios", f"at most {MAX_SWEEP_SCENARIOS:,} scenarios per sweep "
                         "(split the sweep)")


def _file_tasks(spec: SweepSpec, folder: Path) -> list[Task]:
    assert spec.scenarios is not None
    check_count(len(spec.scenarios))
    if not spec.scenarios:
        raise InputError("sweep spec scenarios", [], "at least one scenario file")
    tasks = []
    for index, name in enumerate(spec.scenarios):
        path = folder / name
        doc = _read_yaml(path, f"sweep spec scenarios[{index}]")
        if not isinstance(doc, dict):
            raise InputError(f"sweep spec scenarios[{index}]", name, "a scenario file (a mapping of fields)")
        try:
            scenario_from_document(copy.deepcopy(doc), path)
        except InputError as exc:
            raise InputError(f"sweep spec scenarios[{index}]", name, "a valid scenario file", str(exc)) from None
        tasks.append(Task(index, _key({"scenario_file": name}), {"scenario_file": name}, doc, str(path)))
    if len({t.key for t in tasks}) != len(tasks):
        raise InputError("sweep spec scenarios", spec.scenarios, "each file once")
    return tasks


def expand(spec: SweepSpec, folder: Path) -> list[Task]:
    """Every scenario of the sweep, in a stable order (the row order of the table)."""
    if spec.scenarios is not None:
        return _file_tasks(spec, folder)
    assert spec.base is not None
    base = folder / spec.base
    if spec.grid is not None:
        return _grid_tasks(spec, base)
    from .catalog_sweep import catalog_tasks

    assert spec.catalog is not None
    return catalog_tasks(spec.catalog, base, _read_yaml(base, "sweep spec base"))
