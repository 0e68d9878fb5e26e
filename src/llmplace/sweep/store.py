"""Where a sweep keeps its work: one Parquet part per finished chunk, a manifest, and the final table.

``OUTPUT.parts/`` holds ``spec.json`` (the digest of what the sweep computes), ``manifest.jsonl`` (one line
per finished chunk: its part file and scenario keys, appended after the part is safely on disk) and the
parts. A re-run reads the manifest and skips the scenarios it lists; the final table (Parquet and CSV) is
written from the parts once every scenario is done.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import InputError
from .rows import ROW_FIELDS
from .spec import Task

__all__ = ["MissingExtra", "PartStore", "arrow", "table_schema"]

_ROW_TYPES = {"scenario_index": "int64", "scenario_key": "string", "option_index": "int64", "option_id": "string",
              "kind": "string", "label": "string", "feasible": "bool", "eligible": "bool", "excluded_by": "string",
              "infeasible_reason": "string", "currency": "string", "tco_usd": "float64", "npv_usd": "float64",
              "upfront_usd": "float64", "usd_per_mtok": "float64", "peak_units": "int64", "unit_kind": "string",
              "served_share": "float64", "recommended": "bool", "cheapest": "bool", "tco_p10_usd": "float64",
              "tco_p90_usd": "float64", "probability_cheapest": "float64", "error": "string"}


class MissingExtra(InputError):
    """The sweep's optional packages are not installed."""

    def __init__(self, package: str) -> None:
        super().__init__("llmplace sweep", package, "pip install 'llmplace[sweep]'")

    def __str__(self) -> str:
        return f"llmplace sweep needs {self.value}, which is not installed: pip install 'llmplace[sweep]'"


def arrow() -> Any:
    """pyarrow, or a one-line message naming the extra to install."""
    try:
        import pyarrow
        import pyarrow.csv
        import pyarrow.parquet  # noqa: F401 - loads the submodules used below
    except ImportError:
        raise MissingExtra("pyarrow") from None
    return pyarrow


def _key_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int64"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float64"
    return "string"


def table_schema(tasks: list[Task]) -> Any:
    """The table's columns: the scenario's key columns (typed from their values), then :data:`ROW_FIELDS`."""
    pa = arrow()
    names = list(dict.fromkeys(name for t in tasks for name in t.columns))
    fields = [pa.field(n, _key_type([t.columns.get(n) for t in tasks if n in t.columns])) for n in names]
    return pa.schema(fields + [pa.field(n, _ROW_TYPES[n]) for n in ROW_FIELDS])


def _cell(value: Any, kind: Any) -> Any:
    if value is None or str(kind) != "string" or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


class PartStore:
    """The parts folder of one output table (see the module docstring)."""

    def __init__(self, output: Path, digest: str, schema: Any) -> None:
        self.output = output
        self.folder = output.with_name(output.name + ".parts")
        self.digest = digest
        self.schema = schema

    def open(self, restart: bool) -> set[str]:
        """Prepare the folder; the scenario keys already done (none after ``restart``)."""
        stamp = self.folder / "spec.json"
        if restart and self.folder.exists():
            shutil.rmtree(self.folder)
        if stamp.is_file() and not self._entries():  # nothing was finished: nothing to keep
            shutil.rmtree(self.folder)
        if stamp.is_file():
            if json.loads(stamp.read_text(encoding="utf-8")).get("digest") != self.digest:
                raise InputError("SPEC", str(self.output), "the spec of the stopped sweep that wrote "
                                 f"{self.folder.name}, or --restart to start over",
                                 "the spec, a scenario, the catalog or the llmplace version changed since")
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp.write_text(json.dumps({"digest": self.digest}), encoding="utf-8")
        return {key for entry in self._entries() for key in entry["keys"]}

    def _entries(self) -> list[dict[str, Any]]:
        manifest = self.folder / "manifest.jsonl"
        if not manifest.is_file():
            return []
        entries = []
        for line in manifest.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a stop: its chunk is run again
            if (self.folder / entry["part"]).is_file():
                entries.append(entry)
        return entries

    def add(self, rows: list[dict[str, Any]], keys: list[str]) -> None:
        """Write one finished chunk, then record it in the manifest."""
        pa = arrow()
        number = len(list(self.folder.glob("part-*.parquet")))
        name = f"part-{number:06d}.parquet"
        columns = {f.name: [_cell(r.get(f.name), f.type) for r in rows] for f in self.schema}
        tmp = self.folder / (name + ".tmp")
        pa.parquet.write_table(pa.table(columns, schema=self.schema), tmp)
        os.replace(tmp, self.folder / name)
        with open(self.folder / "manifest.jsonl", "a", encoding="utf-8") as manifest:
            manifest.write(json.dumps({"part": name, "keys": keys}) + "\n")
            manifest.flush()
            os.fsync(manifest.fileno())

    def finish(self, notes: list[str]) -> tuple[Path, Path, int, int]:
        """Write the final table (Parquet and CSV), rows in scenario then option order; remove the parts."""
        pa = arrow()
        parts = [pa.parquet.read_table(self.folder / e["part"], schema=self.schema) for e in self._entries()]
        table = pa.concat_tables(parts) if parts else self.schema.empty_table()
        table = table.sort_by([("scenario_index", "ascending"), ("option_index", "ascending")])
        table = table.replace_schema_metadata({"llmplace.notes": json.dumps(notes)})
        csv = self.output.with_suffix(".csv")
        pa.parquet.write_table(table, self.output)
        pa.csv.write_csv(table, csv)
        shutil.rmtree(self.folder)
        return self.output, csv, table.num_rows, table.num_rows - table.column("error").null_count
