"""Architecture rules held by the suite.

Three ratchets, each with an explicit list of today's exceptions that may only shrink:

* import direction: the package is a pipeline of stages (``STAGES``); a module may import its own stage or an
  earlier one, never a later one. Exceptions live in ``ALLOWED_BACKWARD``.
* complexity: ruff's C901 (mccabe), PLR0912 (branches) and PLR0915 (statements), selected in pyproject.toml; the
  files that break them today are listed in ``[tool.ruff.lint.per-file-ignores]``.
* length: functions over ``MAX_FUNCTION_LINES`` and modules over ``MAX_MODULE_LINES`` lines, except those in
  ``LONG_FUNCTIONS`` and ``LONG_MODULES``, which may not grow.

Every check reads the source with ``ast``; nothing under ``src/`` is imported. After moving or renaming files,
``python tests/architecture_baseline.py`` prints refreshed lists to paste here and into pyproject.toml.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "llmplace"
PYPROJECT = ROOT / "pyproject.toml"

# ---------------------------------------------------------------------------------------------------------------------
# Import direction
# ---------------------------------------------------------------------------------------------------------------------

# Data flows from earlier stages to later ones. Keys are the top-level names under the package; sub-modules of a
# package (``llmplace.costs.capex``) take the stage of their top-level name (``llmplace.costs``). A module that matches
# no key fails test_every_module_has_a_stage: add it here, at the stage where its data belongs.
STAGES: dict[str, float] = {
    # 0 foundation: imports nothing of the package beyond other foundation modules
    "llmplace.errors": 0,
    "llmplace.conventions": 0,
    "llmplace.__about__": 0,
    "llmplace._version": 0,
    "llmplace.finance": 0,  # pure money helpers, used from the costs stage on
    "llmplace.memo": 0,  # results computed once per exact input (a load's memo, shared by the options it serves)
    # 0.5 the bundled, dated reference data (hardware, models, prices, criteria tables): it imports nothing but the
    # foundation, and the scenario schema checks names and profiles against it
    "llmplace.catalog": 0.5,
    # 1 the scenario as the user writes it (criteria settings and the starter scenario belong here too)
    "llmplace.scenario": 1,
    # 2 site and finance values after the catalog's dated defaults
    "llmplace.site": 2,
    # 3 memory and throughput of a model on a GPU
    "llmplace.sizing": 3,
    # 3.5 typed result types (plain data; they embed the sizing result): every later stage fills or reads them
    "llmplace.results": 3.5,
    # 4 tokens per month over the horizon
    "llmplace.demand": 4,
    "llmplace.rises": 4,  # the rises of a load within each month (split from demand)
    # 5 the deployments a scenario names, resolved against the catalog
    "llmplace.options": 5,
    "llmplace.multiserver": 5,  # options whose replica spans several units (called from options)
    # 6 cash flows per option
    "llmplace.costs": 6,
    # 7 the hybrid option and the engine that runs a comparison
    "llmplace.hybrid": 7,
    "llmplace.engine": 7,
    # 7.5 strategies over time: sequences of evaluated deployments
    "llmplace.strategy": 7.5,
    "llmplace.strategy_steps": 7.5,
    # 8 uncertainty: sensitivities and Monte Carlo
    "llmplace.risk": 8,
    # 9 qualitative criteria, constraints and the recommendation
    "llmplace.criteria": 9,
    # 10 the comparison put together
    "llmplace.decision": 10,
    # 10.5 decision maps: the comparison over a grid of two inputs
    "llmplace.maps": 10.5,
    # 10.5 two scenarios compared: the inputs that differ and what they change in the comparison
    "llmplace.diffing": 10.5,
    # 10.5 portfolios: the comparison per workload, and in-house fleets shared between workloads
    "llmplace.portfolio": 10.5,
    "llmplace.portfolio_cloud": 10.5,  # rented instances shared between workloads (split from portfolio)
    "llmplace.packing": 10.5,  # whole replicas packed into servers, instances and MIG slices; showback in cents
    "llmplace.portfolio_mig": 10.5,  # which MIG profile a workload of a shared plan runs on
    "llmplace.portfolio_risk": 10.5,  # Monte Carlo ranges of a portfolio's options and plans
    # 10.6 sweeps: the comparison over many scenarios, into one table (local processes or a Dask cluster)
    "llmplace.sweep": 10.6,
    # 11 faces: reports, command line, web, and the package itself (its __init__ re-exports the public API)
    "llmplace.report": 11,
    "llmplace.cli": 11,
    "llmplace.web": 11,
    "llmplace.__main__": 11,
    "llmplace": 11,
}

# Backward imports that exist today, as (importer, imported) module names, each with the reason it is tolerated.
# This list may only shrink: test_allowed_backward_imports_still_occur fails once a pair is gone, so remove it then.
ALLOWED_BACKWARD: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, order=True)
class Import:
    """One import of a package module by another, at a line of the importer."""

    importer: str
    imported: str
    line: int


@dataclass(frozen=True)
class ModuleSource:
    name: str
    path: Path
    source: str
    is_package: bool


def module_name(path: Path, src: Path = SRC) -> tuple[str, bool]:
    """Dotted name of a source file and whether it is a package's ``__init__``."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def package_sources(src: Path = SRC) -> dict[str, ModuleSource]:
    """Every module of the package, by dotted name."""
    modules = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        name, is_package = module_name(path, src)
        modules[name] = ModuleSource(name, path, path.read_text(encoding="utf-8"), is_package)
    return modules


def in_package(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute module named by ``from <level dots><module> import ...`` inside ``importer``."""
    if level == 0:
        return module or ""
    parts = importer.split(".")
    if not is_package:
        parts.pop()  # a plain module's relative imports start from the package that holds it
    drop = level - 1
    if drop >= len(parts):
        raise ValueError(f"{importer}: relative import beyond the top-level package (level {level})")
    base = parts[: len(parts) - drop]
    return ".".join(base + ([module] if module else []))


def imports_of(module: ModuleSource | tuple[str, str, bool], known: Iterable[str]) -> list[Import]:
    """Imports of package modules anywhere in a module, function bodies (lazy imports) included.

    ``from X import name`` depends on ``X.name`` when that is a module of the package, and on ``X`` otherwise.
    ``module`` is a ModuleSource or a (name, source, is_package) tuple.
    """
    if isinstance(module, ModuleSource):
        name, source, is_package = module.name, module.source, module.is_package
    else:
        name, source, is_package = module
    known = set(known)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names if in_package(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            base = resolve_relative(name, is_package, node.level, node.module)
            if not in_package(base):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(Import(name, candidate if candidate in known else base, node.lineno))
    return sorted(set(found))


def top_level(module: str) -> str:
    """The key of ``STAGES`` a module falls under: ``llmplace.costs.capex`` -> ``llmplace.costs``."""
    return ".".join(module.split(".")[:2])


def stage_of(module: str, stages: Mapping[str, float] = STAGES) -> float | None:
    return stages.get(top_level(module))


def import_graph(modules: Mapping[str, ModuleSource] | Mapping[str, tuple[str, bool]]) -> list[Import]:
    """All package imports of the given modules (name -> ModuleSource, or name -> (source, is_package))."""
    imports = []
    for name, module in modules.items():
        entry = module if isinstance(module, ModuleSource) else (name, module[0], module[1])
        imports += imports_of(entry, modules)
    return sorted(imports)


def unstaged(imports: Iterable[Import], modules: Iterable[str], stages: Mapping[str, float] = STAGES) -> list[str]:
    """Modules, defined or imported, whose top-level name has no stage."""
    names = set(modules) | {imp.imported for imp in imports}
    return sorted(name for name in names if stage_of(name, stages) is None)


def backward_imports(imports: Iterable[Import], stages: Mapping[str, float] = STAGES) -> list[Import]:
    """Imports of a later stage by an earlier one. Modules without a stage are left to ``unstaged``."""
    backward = []
    for imp in imports:
        importer, imported = stage_of(imp.importer, stages), stage_of(imp.imported, stages)
        if importer is not None and imported is not None and imported > importer:
            backward.append(imp)
    return backward


def describe(imp: Import, stages: Mapping[str, float] = STAGES) -> str:
    return (f"{imp.importer} (stage {stage_of(imp.importer, stages):g}) imports {imp.imported} "
            f"(stage {stage_of(imp.imported, stages):g}) at line {imp.line}")


def current_imports() -> tuple[dict[str, ModuleSource], list[Import]]:
    modules = package_sources()
    return modules, import_graph(modules)


def test_every_module_has_a_stage():
    modules, imports = current_imports()
    missing = unstaged(imports, modules)
    assert not missing, ("modules with no stage; add their top-level name to STAGES in tests/test_architecture.py: "
                         + ", ".join(missing))


def test_no_backward_imports():
    _, imports = current_imports()
    new = [imp for imp in backward_imports(imports) if (imp.importer, imp.imported) not in ALLOWED_BACKWARD]
    assert not new, ("a module imports a later stage (see STAGES in tests/test_architecture.py); move the shared "
                     "code to the earlier stage or invert the dependency:\n" + "\n".join(map(describe, new)))


def test_allowed_backward_imports_still_occur():
    _, imports = current_imports()
    occurring = {(imp.importer, imp.imported) for imp in backward_imports(imports)}
    gone = sorted(set(ALLOWED_BACKWARD) - occurring)
    assert not gone, ("these pairs no longer import backwards; remove them from ALLOWED_BACKWARD (the list only "
                      "shrinks): " + ", ".join(f"{a} -> {b}" for a, b in gone))


def test_checker_catches_backward_imports():
    fake = {
        PACKAGE: ("from .decision import compare\n", True),
        "llmplace.scenario": ("import json\n\n\ndef settings():\n    from .criteria import settings\n", False),
        "llmplace.criteria": ("", True),
        "llmplace.criteria.settings": ("from ..scenario import Scenario\nfrom .. import errors\n", False),
        "llmplace.errors": ("", False),
        "llmplace.risk": ("", False),
        "llmplace.decision": ("def run():\n    from . import risk\n    from .criteria import attach\n", False),
        "llmplace.costs": ("import llmplace.decision\nfrom . import __version__\n", False),
    }
    imports = import_graph(fake)
    assert Import("llmplace.decision", "llmplace.risk", 2) in imports  # ``from . import risk`` is the module
    assert Import("llmplace.decision", "llmplace.criteria", 3) in imports  # ``attach`` is a name, not a module
    assert Import("llmplace.criteria.settings", "llmplace.errors", 2) in imports
    assert backward_imports(imports) == [
        Import("llmplace.costs", PACKAGE, 2),  # the package __init__ is a face
        Import("llmplace.costs", "llmplace.decision", 1),
        Import("llmplace.scenario", "llmplace.criteria.settings", 5),  # lazy imports count
    ]
    assert describe(imports[-1]).endswith("at line 5")


def test_checker_names_modules_without_a_stage():
    fake = {"llmplace.gadgets": ("from .errors import InputError\n", False),
            "llmplace.errors": ("from .widgets.parts import thing\n", False)}
    assert unstaged(import_graph(fake), fake) == ["llmplace.gadgets", "llmplace.widgets.parts"]


def test_relative_imports_resolve_like_python():
    assert resolve_relative("llmplace.decision", False, 1, None) == PACKAGE
    assert resolve_relative("llmplace.criteria", True, 1, "data") == "llmplace.criteria.data"
    assert resolve_relative("llmplace.criteria.facts", False, 2, "options") == "llmplace.options"
    assert resolve_relative("llmplace.web", True, 2, None) == PACKAGE
    with pytest.raises(ValueError):
        resolve_relative("llmplace.decision", False, 2, None)


# ---------------------------------------------------------------------------------------------------------------------
# Complexity (ruff)
# ---------------------------------------------------------------------------------------------------------------------

# The ruff codes this ratchet watches, as written in per-file-ignores. C90 is mccabe's prefix, C901 its only rule.
RATCHET_CODES = ("C90", "C901", "PLR0912", "PLR0915")


def ruff_settings() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]


def ratchet_entries() -> list[tuple[str, tuple[str, ...]]]:
    """(file, watched codes) for each per-file-ignores entry that waives a complexity rule."""
    entries = []
    for pattern, codes in ruff_settings().get("per-file-ignores", {}).items():
        watched = tuple(code for code in codes if code in RATCHET_CODES)
        if watched:
            entries.append((pattern, watched))
    return entries


def ruff_overrides() -> list[str]:
    """``--config`` arguments that carry pyproject's thresholds into an isolated ruff run."""
    settings = ruff_settings()
    args = []
    for section in ("mccabe", "pylint"):
        for key, value in settings.get(section, {}).items():
            args += ["--config", f"lint.{section}.{key}={json.dumps(value)}"]
    return args


def ruff_violations(path: str, codes: Iterable[str]) -> set[str]:
    """Codes among ``codes`` that ruff reports for ``path`` with no per-file-ignores in force."""
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", path, "--isolated", "--no-cache", "--output-format", "json",
         "--select", ",".join(codes), *ruff_overrides()],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return {item["code"] for item in json.loads(proc.stdout or "[]")}


def test_complexity_rules_are_selected():
    settings = ruff_settings()
    selected = set(settings.get("select", []))
    assert {"C90", "PLR0912", "PLR0915"} <= selected, "pyproject.toml must select C90, PLR0912 and PLR0915"
    assert settings.get("mccabe", {}).get("max-complexity") == 15


@pytest.mark.parametrize(("path", "codes"), ratchet_entries(), ids=[path for path, _ in ratchet_entries()])
def test_per_file_ignores_only_shrink(path: str, codes: tuple[str, ...]):
    assert (ROOT / path).is_file(), (f"{path} is in [tool.ruff.lint.per-file-ignores] but does not exist; remove or "
                                     "rename the entry (python tests/architecture_baseline.py prints the list)")
    found = ruff_violations(path, codes)
    stale = [code for code in codes if not any(hit.startswith(code) for hit in found)]
    assert not stale, (f"{path} no longer breaks {', '.join(stale)}: remove it from that entry of "
                       "[tool.ruff.lint.per-file-ignores] in pyproject.toml; the ratchet only shrinks")


# ---------------------------------------------------------------------------------------------------------------------
# Function and module length
# ---------------------------------------------------------------------------------------------------------------------

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500

# Functions longer than MAX_FUNCTION_LINES today, as "path::qualname": length in lines. An entry may not grow; remove
# it once the function is within the limit or gone. Nested functions and methods are named "Outer.inner".
LONG_FUNCTIONS: dict[str, int] = {
    "src/llmplace/scenario/starter.py::starter_scenario": 79,
    "src/llmplace/sizing/calibration.py::_case": 84,
    "src/llmplace/sizing/estimate.py::estimate": 68,
}

# Modules longer than MAX_MODULE_LINES today, as "path": length in lines. Same rules as LONG_FUNCTIONS.
LONG_MODULES: dict[str, int] = {
}


def function_lengths(source: str, prefix: str) -> dict[str, int]:
    """Length in lines of every function and method, keyed ``prefix::Outer.inner``."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, scope: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualname = [*scope, child.name]
                if not isinstance(child, ast.ClassDef):
                    lengths[f"{prefix}::{'.'.join(qualname)}"] = (child.end_lineno or child.lineno) - child.lineno + 1
                visit(child, qualname)
            else:
                visit(child, scope)

    visit(ast.parse(source), [])
    return lengths


def measure(src: Path = SRC) -> tuple[dict[str, int], dict[str, int]]:
    """(function lengths, module lengths) of the whole package, keyed by path relative to the project root."""
    functions: dict[str, int] = {}
    modules: dict[str, int] = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        key = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        modules[key] = len(source.splitlines())
        functions.update(function_lengths(source, key))
    return functions, modules


def length_problems(measured: Mapping[str, int], allowed: Mapping[str, int], limit: int, what: str,
                    table: str) -> list[str]:
    problems = []
    for key, length in sorted(measured.items()):
        if length > limit and key not in allowed:
            problems.append(f"{key}: {what} of {length} lines is over {limit}; shorten it")
        elif key in allowed and length > allowed[key]:
            problems.append(f"{key}: grew from {allowed[key]} to {length} lines; {table} entries may not grow")
        elif key in allowed and length <= limit:
            problems.append(f"{key}: {length} lines is within {limit}; remove it from {table}")
    problems += [f"{key}: no longer exists; remove it from {table}" for key in sorted(set(allowed) - set(measured))]
    return problems


def test_function_lengths():
    functions, _ = measure()
    problems = length_problems(functions, LONG_FUNCTIONS, MAX_FUNCTION_LINES, "function", "LONG_FUNCTIONS")
    assert not problems, "\n".join(problems)


def test_module_lengths():
    _, modules = measure()
    problems = length_problems(modules, LONG_MODULES, MAX_MODULE_LINES, "module", "LONG_MODULES")
    assert not problems, "\n".join(problems)


def test_length_checker_catches_growth():
    source = "class A:\n    def f(self):\n" + "        x = 1\n" * 3 + "\n\ndef g():\n    def h():\n        pass\n"
    lengths = function_lengths(source, "m.py")
    assert lengths == {"m.py::A.f": 4, "m.py::g": 3, "m.py::g.h": 2}
    assert length_problems(lengths, {}, 3, "function", "T") == ["m.py::A.f: function of 4 lines is over 3; shorten it"]
    assert length_problems(lengths, {"m.py::A.f": 3, "m.py::gone": 9}, 3, "function", "T") == [
        "m.py::A.f: grew from 3 to 4 lines; T entries may not grow",
        "m.py::gone: no longer exists; remove it from T",
    ]
    assert length_problems(lengths, {"m.py::A.f": 5}, 3, "function", "T") == []
    assert length_problems(lengths, {"m.py::g": 3}, 3, "function", "T") == [
        "m.py::A.f: function of 4 lines is over 3; shorten it",
        "m.py::g: 3 lines is within 3; remove it from T",
    ]
