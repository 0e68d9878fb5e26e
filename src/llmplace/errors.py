"""The one exception tree of llmplace.

Every error a user can cause derives from :class:`InputError`; the CLI turns it into a one-line
message and exit status 2, the REST API into HTTP 422. Anything else deriving from
:class:`LlmplaceError` is an internal error (exit status 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from .conventions import MAX_ERROR_VALUE_CHARS

__all__ = ["LlmplaceError", "InputError", "UnknownNameError", "InfeasibleError", "did_you_mean", "field_path",
           "near_matches", "not_one_of"]

_OPTION_KINDS = frozenset({"in_house", "cloud", "api", "hybrid"})


class LlmplaceError(Exception):
    """Root of every exception llmplace raises on purpose."""


def _shown(value: Any, limit: int = MAX_ERROR_VALUE_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, with control characters escaped by repr itself."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class InputError(LlmplaceError):
    """Bad input: names the field, the value received and what is allowed."""

    def __init__(self, field: str, value: Any, allowed: str, detail: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.detail = detail
        text = f"{field}: got {_shown(value)}; allowed: {allowed}"
        if detail:
            text += f" ({detail})"
        super().__init__(text)

    def to_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, (str, int, float, bool, type(None))) else repr(self.value)
        return {"field": self.field, "value": value, "allowed": self.allowed, "message": str(self)}


def near_matches(value: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The ``choices`` nearest ``value`` (any case; difflib's ratio of at least 0.6), best first; else those
    that contain it or that it contains (``aws`` -> ``aws-p5``)."""
    by_key: dict[str, str] = {}
    for c in choices:
        by_key.setdefault(str(c).strip().lower(), str(c))
    key = str(value).strip().lower()
    close = difflib.get_close_matches(key, list(by_key), n=n, cutoff=0.6)
    if not close and len(key) >= 2:
        close = [k for k in by_key if key in k or (len(k) >= 3 and k in key)][:n]
    return [by_key[k] for k in close]


def did_you_mean(value: str, choices: Iterable[str], n: int = 3) -> str | None:
    """'did you mean 'x', 'y'?' for the nearest ``choices``, or None when none is near."""
    hits = near_matches(value, choices, n)
    return ("did you mean " + ", ".join(repr(h) for h in hits) + "?") if hits else None


def not_one_of(field: str, value: Any, choices: Iterable[str], listed_up_to: int = 12,
               where: str | None = None) -> InputError:
    """The error for a value outside ``choices``: the choices listed (or counted, with ``where`` to find them)
    and the nearest ones suggested."""
    names = list(dict.fromkeys(str(c) for c in choices))
    allowed = ", ".join(names) if len(names) <= listed_up_to else (
        f"one of {len(names)} values" + (f" ({where})" if where else ""))
    return InputError(field, value, allowed, did_you_mean(str(value), names))


class UnknownNameError(InputError):
    """A catalog lookup failed; ``suggestions`` holds the nearest names."""

    def __init__(self, field: str, value: str, kind: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        allowed = f"a {kind} in the catalog (see `llmplace catalog list {kind}s`)"
        detail = ("did you mean " + ", ".join(repr(s) for s in suggestions) + "?") if suggestions else None
        super().__init__(field, value, allowed, detail)


class AmbiguousNameError(InputError):
    """A short name that several catalog rows answer to; ``candidates`` lists their ids."""

    def __init__(self, field: str, value: str, kind: str, candidates: list[str]) -> None:
        self.candidates = candidates
        super().__init__(field, value, "one of " + ", ".join(candidates),
                         f"{value!r} names more than one {kind}; write the one you mean")


class InfeasibleError(InputError):
    """An option cannot serve the workload at all (for example the model does not fit)."""


def field_path(loc: Iterable[Any]) -> str:
    """A validation error's location as the dotted field name people read: ``options[2].base_units``.

    List indexes are written ``[i]``; the option kind pydantic adds after an option's index (the
    discriminator tag) is left out, since it adds nothing for the reader. Empty for an empty location.
    """
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif p in _OPTION_KINDS and parts and parts[-1].startswith("["):
            continue
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)
