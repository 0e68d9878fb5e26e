"""Who may reach the web app: the token rules, loopback addresses and the Host header check.

``llmplace serve`` listens on loopback only by default. Listening on any other address needs
``allow_remote`` and a token of at least :data:`MIN_TOKEN_LENGTH` characters, since the API reads and
writes saved scenarios. A token holds only characters that pass unchanged in a URL and a cookie
(:data:`TOKEN_CHARACTERS`). Bound to loopback, the app accepts only the :data:`LOOPBACK_HOSTS` in the
Host header, which blocks DNS-rebinding attacks. A request that changes state (POST, PUT, PATCH,
DELETE) must come from the app's own origin (:func:`write_refusal`), carry its body as JSON, and
stay under :data:`MAX_BODY_BYTES`: a page on another site cannot save scenarios or start work.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from urllib.parse import urlsplit

from ..errors import InputError

__all__ = [
    "LOOPBACK_HOSTS", "MAX_BODY_BYTES", "MIN_TOKEN_LENGTH", "TOKEN_CHARACTERS", "TOKEN_COOKIE", "check_bind",
    "check_token", "host_allowed", "is_loopback", "token_matches", "write_refusal",
]

MIN_TOKEN_LENGTH = 16
TOKEN_CHARACTERS = "A-Z a-z 0-9 . _ ~ -"
"""What a token may hold: characters sent unchanged in a query string and a cookie."""
_TOKEN = re.compile(r"[A-Za-z0-9._~-]+")
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
"""Host header names accepted when the server listens on loopback."""
TOKEN_COOKIE = "llmplace_token"
MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body accepted (a scenario with an inline 8,760-hour trace is about 200 kB)."""
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def write_refusal(method: str, headers: dict[str, str]) -> tuple[int, dict[str, object]] | None:
    """(status, one detail entry naming the header) when a state-changing request must be refused, else None.

    ``headers`` are the request's, with lower-case names. Refused: an ``Origin`` other than the
    app's own host (or ``null``) and a browser's ``Sec-Fetch-Site: cross-site`` (403), a body that is
    not JSON, such as a cross-site form or ``text/plain`` post (422), a body without a length (411)
    or over :data:`MAX_BODY_BYTES` (413).
    """
    if method.upper() not in WRITE_METHODS:
        return None
    origin = headers.get("origin")
    own_page = "requests from the app's own page (same origin)"
    if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != headers.get("host", "").lower()):
        return 403, _entry("origin", origin, own_page, "cross-origin request refused")
    if headers.get("sec-fetch-site") == "cross-site":
        return 403, _entry("sec-fetch-site", "cross-site", own_page, "cross-site request refused")
    length = headers.get("content-length")
    if length is None:
        if "transfer-encoding" in headers:
            return 411, _entry("content-length", None, "a Content-Length with the body", "length required")
        return None
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return 413, _entry("content-length", length, f"a body of at most {MAX_BODY_BYTES:,} bytes", "body too large")
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if int(length) > 0 and media != "application/json":
        return 422, _entry("content-type", media, "application/json", "the body must be JSON")
    return None


def _entry(header: str, value: str | None, allowed: str, msg: str) -> dict[str, object]:
    """One ``detail`` entry in the shape of the API's input errors."""
    return {"loc": ["header", header], "msg": msg, "type": "request_refused", "field": header, "value": value,
            "allowed": allowed, "message": f"{header}: got {value!r}; allowed: {allowed}"}


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
