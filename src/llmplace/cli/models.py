"""`llmplace catalog add-model`: read a model the catalog lacks from its Hugging Face config.json.

Nothing is written into the package: the command checks the file, shows the architecture llmplace reads
from it (with the parameter counts it recomputes) and prints the two scenario lines that use it
(``model.name`` and ``model.hf_config``). Registered on the ``catalog`` sub-command by :mod:`llmplace.cli`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .. import catalog

__all__ = ["add_model"]


def add_model(
    config: Path = typer.Argument(..., help="path to the model's Hugging Face config.json"),
    model_id: str = typer.Option(..., "--id", help="id to give the model, e.g. my-qwen-finetune"),
    name: str | None = typer.Option(None, "--name", help="display name (default: the id)"),
    total_params_b: float | None = typer.Option(
        None, "--total-params-b", help="published total parameters [billions]; default: recomputed"),
    active_params_b: float | None = typer.Option(
        None, "--active-params-b", help="published parameters per token [billions]; default: recomputed"),
    ignore: list[str] = typer.Option(  # noqa: B008 - typer declares options as default values
        [], "--ignore", help="a config.json field to accept although llmplace does not model it (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print the model row as JSON."),
) -> None:
    """Read a model from its config.json. Example: llmplace catalog add-model config.json --id my-model"""
    row = catalog.model_from_hf_file(config, model_id, ignore, "config", name=name,
                                     total_params_b=total_params_b, active_params_b=active_params_b)
    data = row.model_dump(mode="json")
    if as_json:
        sys.stdout.write(json.dumps({"catalog": "models", **data}, indent=2) + "\n")
        return
    out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
    table = Table(title=f"model read from {config.name}: {row.id}", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        if value not in (None, [], ()):
            table.add_row(key, ", ".join(value) if isinstance(value, list) else str(value))
    out.print(table)
    ignored = "".join(f"\n  hf_config_ignore: [{', '.join(ignore)}]" for _ in [0] if ignore)
    out.print(f"To use it, write in the scenario:\nmodel:\n  name: {row.id}\n  hf_config: {config}{ignored}",
              markup=False, highlight=False)
