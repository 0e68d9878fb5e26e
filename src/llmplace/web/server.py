"""``llmplace serve``: checks on where to listen, then uvicorn.

Loopback only by default. Listening on any other address needs ``allow_remote`` and a token of at
least :data:`MIN_TOKEN_LENGTH` characters, since the API reads and writes saved scenarios. A token
holds only characters that pass unchanged in a URL and a cookie (:data:`TOKEN_CHARACTERS`).
"""

from __future__ import annotations

import ipaddress
import re

from ..errors import InputError
from .storage import StorageError, database_url

__all__ = ["MIN_TOKEN_LENGTH", "TOKEN_CHARACTERS", "check_bind", "check_token", "is_loopback", "serve"]

MIN_TOKEN_LENGTH = 16
TOKEN_CHARACTERS = "A-Z a-z 0-9 . _ ~ -"
"""What a token may hold: characters sent unchanged in a query string and a cookie."""
_TOKEN = re.compile(r"[A-Za-z0-9._~-]+")


def check_token(token: str) -> None:
    """Raise :class:`InputError` unless ``token`` is long enough and URL- and cookie-safe."""
    if len(token) < MIN_TOKEN_LENGTH or not _TOKEN.fullmatch(token):
        raise InputError("--token", "(hidden)",
                         f"a token of at least {MIN_TOKEN_LENGTH} characters, each one of {TOKEN_CHARACTERS}")


def is_loopback(host: str) -> bool:
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, port: int, allow_remote: bool, token: str | None) -> None:
    """Raise :class:`InputError` unless listening on ``host:port`` with these settings is allowed."""
    if not 1 <= port <= 65535:
        raise InputError("--port", port, "a TCP port from 1 to 65535")
    if token is not None:
        check_token(token)
    if is_loopback(host):
        return
    if not allow_remote:
        raise InputError("--host", host, "a loopback address (127.0.0.1, ::1, localhost); "
                         "other addresses need --allow-remote and --token")
    if not token:
        raise InputError("--token", None, f"a token of at least {MIN_TOKEN_LENGTH} characters "
                         "(or LLMPLACE_TOKEN) when --allow-remote is given")


def serve(host: str = "127.0.0.1", port: int = 8000, db: str | None = None, allow_remote: bool = False,
          token: str | None = None) -> None:
    """Check the settings, open the database and serve the app until interrupted."""
    import uvicorn

    from .app import LOOPBACK_HOSTS, create_app

    token = token or None
    check_bind(host, port, allow_remote, token)
    url = database_url(db)
    try:
        app = create_app(url, token=token, allowed_hosts=LOOPBACK_HOSTS if is_loopback(host) else None)
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
