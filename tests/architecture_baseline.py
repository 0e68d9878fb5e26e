"""Print today's architecture exceptions in the syntax of tests/test_architecture.py and pyproject.toml.

Run ``python tests/architecture_baseline.py`` from anywhere. It prints, and writes nothing:

* ``ALLOWED_BACKWARD``: the backward imports found now, keeping the reasons already recorded;
* ``[tool.ruff.lint.per-file-ignores]``: the files that break C901, PLR0912 or PLR0915 now;
* ``LONG_FUNCTIONS`` and ``LONG_MODULES``: the functions and modules over the length limits now.

These lists may only shrink. Paste refreshed lists only when a file was moved or renamed, and then check that the
new output holds the same exceptions under their new names, nothing more: a new entry means new debt, which should
be fixed rather than recorded.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
arch = importlib.import_module("tests.test_architecture")

WATCHED = ("C901", "PLR0912", "PLR0915")


def backward_block() -> str:
    _, imports = arch.current_imports()
    pairs = sorted({(imp.importer, imp.imported) for imp in arch.backward_imports(imports)})
    lines = ["ALLOWED_BACKWARD: dict[tuple[str, str], str] = {"]
    for importer, imported in pairs:
        reason = arch.ALLOWED_BACKWARD.get((importer, imported), "TODO: why this backward import is tolerated")
        lines += [f"    ({json.dumps(importer)}, {json.dumps(imported)}):", f"        {json.dumps(reason)},"]
    lines.append("}")
    return "\n".join(lines)


def ruff_block() -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "--isolated", "--no-cache",
         "--output-format", "json", "--select", ",".join(WATCHED), *arch.ruff_overrides()],
        cwd=ROOT, capture_output=True, text=True,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stdout + proc.stderr)
    codes: dict[str, set[str]] = {}
    for item in json.loads(proc.stdout or "[]"):
        path = Path(item["filename"]).resolve().relative_to(ROOT).as_posix()
        codes.setdefault(path, set()).add(item["code"])
    lines = ["[tool.ruff.lint.per-file-ignores]",
             "# complexity debt: the ratchet in tests/test_architecture.py fails once a file no longer needs a code"]
    lines += [f'"{path}" = {json.dumps(sorted(found))}' for path, found in sorted(codes.items())]
    return "\n".join(lines).replace('","', '", "')


def lengths_block(name: str, lengths: dict[str, int], limit: int) -> str:
    over = {key: length for key, length in sorted(lengths.items()) if length > limit}
    return "\n".join([f"{name}: dict[str, int] = {{", *(f'    "{key}": {length},' for key, length in over.items()),
                      "}"])


def main() -> None:
    functions, modules = arch.measure()
    print(backward_block(), end="\n\n")
    print(lengths_block("LONG_FUNCTIONS", functions, arch.MAX_FUNCTION_LINES), end="\n\n")
    print(lengths_block("LONG_MODULES", modules, arch.MAX_MODULE_LINES), end="\n\n")
    print(ruff_block())


if __name__ == "__main__":
    main()
