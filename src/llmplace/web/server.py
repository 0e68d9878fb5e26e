"""``llmplace serve``: checks on where to listen (:mod:`.access`), then uvicorn."""

from __future__ import annotations

from ..errors import InputError
from .access import LOOPBACK_HOSTS, check_bind, is_loopback
from .app import create_app
from .compute import default_processes
from .storage import StorageError, database_url

__all__ = ["serve"]


def serve(host: str = "127.0.0.1", port: int = 8000, db: str | None = None, allow_remote: bool = False,
          token: str | None = None) -> None:
    """Check the settings, open the database and serve the app until interrupted."""
    import uvicorn

    token = token or None
    check_bind(host, port, allow_remote, token)
    url = database_url(db)
    try:
        app = create_app(url, token=token, allowed_hosts=LOOPBACK_HOSTS if is_loopback(host) else None,
                         compute_processes=default_processes())
    except StorageError as exc:
        raise InputError("--db", db or url, "a SQLAlchemy database URL or a SQLite file path",
                         str(exc)) from None
    shown = f"[{host}]" if ":" in host else host
    print(f"llmplace: http://{shown}:{port}/  (saved scenarios: {_redact(url)})", flush=True)
    # no access log with a token: a ?token= query string would land in it
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False,
                access_log=token is None)


def _redact(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "(database)"
