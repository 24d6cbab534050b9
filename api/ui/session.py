"""Signed session cookies and CSRF tokens for the staff web UI.

The session cookie carries only the API key's row id and an expiry, signed with
HMAC-SHA256; the key itself is re-checked on every request, so revoking a key ends
its browser sessions at once. CSRF tokens are bound to a random per-browser nonce
kept in its own HttpOnly cookie (signed double submit).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "ms_session"
CSRF_COOKIE = "ms_csrf"
SESSION_MAX_AGE_S = 12 * 3600  # one working shift


def load_or_create_secret(configured: str | None, home: Path) -> bytes:
    """settings.api.session_secret, else a random secret kept under ``home`` (0600)."""
    if configured:
        return configured.encode("utf-8")
    path = home / "session_secret"
    if path.is_file():
        stored = path.read_text(encoding="ascii").strip()
        if len(stored) >= 32:
            return stored.encode("ascii")
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value, encoding="ascii")
    path.chmod(0o600)
    return value.encode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class WebSessions:
    """Issues and checks the UI's session cookie and CSRF tokens."""

    def __init__(self, secret: bytes, *, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self._secret = secret
        self.max_age_s = max_age_s

    def _mac(self, purpose: str, payload: str) -> str:
        return _b64(hmac.new(self._secret, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())

    # -- session ------------------------------------------------------------------------
    def issue(self, request: Request, response: Response, key_id: int) -> None:
        payload = _b64(json.dumps({"k": key_id, "exp": int(time.time()) + self.max_age_s,
                                   "n": secrets.token_hex(8)}).encode())
        response.set_cookie(SESSION_COOKIE, f"{payload}.{self._mac('session', payload)}",
                            max_age=self.max_age_s, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")

    def read(self, request: Request) -> dict[str, Any] | None:
        """The session's data if the cookie is present, authentic and unexpired."""
        raw = request.cookies.get(SESSION_COOKIE, "")
        payload, _, mac = raw.partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac("session", payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(data, dict) or int(data.get("exp", 0)) < time.time() or "k" not in data:
            return None
        return data

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")

    # -- CSRF ---------------------------------------------------------------------------
    def csrf_token(self, request: Request) -> str:
        """The token for this browser's forms, creating its nonce if needed.

        A new nonce is stashed on request.state; ``attach_csrf`` sets its cookie.
        """
        nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(CSRF_COOKIE)
        if not nonce or len(nonce) > 64:
            nonce = secrets.token_urlsafe(24)
            request.state.csrf_nonce = nonce
        return self._mac("csrf", nonce)

    def attach_csrf(self, request: Request, response: Response) -> None:
        nonce = getattr(request.state, "csrf_nonce", None)
        if nonce:
            response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", path="/")

    def csrf_ok(self, request: Request, token: str | None) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or not token:
            return False
        return hmac.compare_digest(token, self._mac("csrf", nonce))
