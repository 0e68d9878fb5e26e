"""The base of result models whose JSON leaves out keys that do not apply."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

__all__ = ["_Doc"]



class _Doc(BaseModel):
    """A result model whose JSON leaves out the keys in ``_omit_if_none`` while they are ``None``."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self._omit_if_none and isinstance(data, dict):
            return {k: v for k, v in data.items() if not (k in self._omit_if_none and v is None)}
        return data
