"""Who may reach the web app: the token rules, loopback addresses and the Host header check.

``llmplace serve`` listens on loopback only by default. Listening on any other address needs
``allow_remote`` and a token of at least :data:`MIN_TOKEN_LENGTH` characters, since the API reads and
writes saved scenarios. A token holds only characters that pass unchanged in a URL and a cookie
(:data:`TOKEN_CHARACTERS`). Bound to loopback, the app accepts only the :data:`LOOPBACK_HOSTS` in the
Host header, which blocks DNS-rebinding attacks.
"""

from __future__ import annotations

import hmac
import ipaddress
import re

from ..errors import InputError

__all__ = [
    "LOOPBACK_HOSTS", "MIN_TOKEN_LENGTH", "TOKEN_CHARACTERS", "TOKEN_COOKIE", "check_bind", "check_token",
    "host_allowed", "is_loopback", "token_matches",
]

MIN_TOKEN_LENGTH = 16
TOKEN_CHARACTERS = "A-Z a-z 0-9 . _ ~ -"
"""What a token may hold: characters sent unchanged in a query string and a cookie."""
_TOKEN = re.compile(r"[A-Za-z0-9._~-]+")
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
"""Host header names accepted when the server listens on loopback."""
TOKEN_COOKIE = "llmplace_token"


def check_token(token: str) -> None:
    """Raise :class:`InputError` unless ``token`` is long enough and URL- and cookie-safe."""
    if len(token) < MIN_TOKEN_LENGTH or not _TOKEN.fullmatch(token):
        raise InputError("--token", "(hidden)",
                         f"a token of at least {MIN_TOKEN_LENGTH} characters, each one of {TOKEN_CHARACTERS}")


def token_matches(candidate: str, token: str) -> bool:
    """Whether ``candidate`` is ``token`` (constant time; False for anything that is not text)."""
    try:
        got = candidate.encode("utf-8")
    except UnicodeError:
        return False
    return hmac.compare_digest(got, token.encode("utf-8"))


def host_allowed(host: str, allowed: set[str] | None) -> bool:
    """Whether a Host header value names one of the ``allowed`` hosts (lower case; None allows any)."""
    if allowed is None:
        return True
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in allowed


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
