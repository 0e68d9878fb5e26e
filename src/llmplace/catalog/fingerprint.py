"""One short text that changes whenever the catalog in force may have changed.

A result computed from the catalog can be reused while its fingerprint is unchanged (the web app's
result cache does). The fingerprint covers what a comparison reads besides its scenario: the bundled
data files, the refreshed price snapshot and the user catalogs in force (each file's name, inode, size and
modification time), the ``genai-prices`` version whose price data is read, and how often the loaded
tables were forgotten (:func:`llmplace.catalog.reload`, which every change of user catalogs calls).
It reads file metadata only (a few dozen ``stat`` calls), never the files' contents.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from .overlay import OVERLAY_FILES, overlays

__all__ = ["bump_generation", "catalog_fingerprint"]

_GENERATION = [0]


def bump_generation() -> None:
    """Count one more reload of the catalog tables (called by :func:`llmplace.catalog.reload`)."""
    _GENERATION[0] += 1


@cache
def _price_package_version() -> str:
    try:
        return metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        return "absent"


@cache
def _bundled_files() -> tuple[str, ...]:
    """The bundled data files (the package's files do not come and go while it runs; their contents may)."""
    bundled = Path(str(resources.files("llmplace.catalog").joinpath("data")))
    return tuple(str(p) for p in sorted(bundled.glob("*.csv")))


def _stat_line(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path} -"
    return f"{path} {st.st_ino} {st.st_size} {st.st_mtime_ns}"


def catalog_fingerprint(reloads: bool = True) -> str:
    """A SHA-256 hex digest of the catalog in force (see the module docstring); ``reloads=False`` leaves out the
    count of reloads in this process (for a digest compared across processes, as a sweep's resume does)."""
    lines = [f"generation {_GENERATION[0]}"] if reloads else []
    lines.append(f"genai-prices {_price_package_version()}")
    lines += [_stat_line(p) for p in _bundled_files()]
    for ov in overlays():
        lines.append(f"overlay {ov.label} {ov.path}")
        lines += [_stat_line(os.path.join(ov.path, name)) for name in (*OVERLAY_FILES, "manifest.json")]
    return hashlib.sha256("\n".join(lines).encode("utf-8", "backslashreplace")).hexdigest()
