"""The field names a scenario section accepts, found from a validation error's location, for 'did you mean'.

``loc`` is pydantic's path to the unknown key (``('options', 0, 'in_house', 'sever')``): list indexes
are skipped, the tag of a tagged union (``in_house``) picks the member whose ``kind`` it is, and the
names (with their aliases) of the section that holds the key are returned.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

__all__ = ["known_fields"]


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds: itself, or inside Optional, unions, lists, dicts, Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _models(args[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        return [m for a in args for m in _models(a)]
    if origin is dict and len(args) == 2:
        return _models(args[1])
    return []


def _names(model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        out.append(name)
        if isinstance(info.alias, str):
            out.append(info.alias)
    return out


def _tag_matches(model: type[BaseModel], tag: str) -> bool:
    kind = model.model_fields.get("kind")
    return kind is not None and kind.default == tag


def known_fields(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the section that holds the last key of ``loc`` (empty when it cannot be told)."""
    candidates: list[type[BaseModel]] = [root]
    for part in loc[:-1]:
        if not isinstance(part, str):
            continue  # a list index: the candidates are already the items' models
        inner = [m for c in candidates if part in c.model_fields for m in _models(c.model_fields[part].annotation)]
        if inner:
            candidates = inner
            continue
        tagged = [c for c in candidates if _tag_matches(c, part)]
        if not tagged:
            return []
        candidates = tagged
    return list(dict.fromkeys(n for c in candidates for n in _names(c)))
