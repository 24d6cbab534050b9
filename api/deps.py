"""FastAPI dependencies: the runtime, a database session, and the calling key with its role.

Everything comes off ``request.app.state``; nothing here is global, so two apps (two
test stores) can live in one process.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Principal, authenticate, principal_by_id
from api.runtime import Runtime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_db(runtime: RuntimeDep) -> Iterator[Session]:
    """One unit of work per request; write routes commit explicitly before answering."""
    with runtime.store.session() as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def principal_from_request(request: Request, *, cookie_for_writes: bool = False) -> Principal | None:
    """The key behind the Bearer header, or behind the signed UI session cookie.

    For the JSON API the cookie counts only for safe methods: state changes from a
    browser go through the UI's own forms (``cookie_for_writes``), which check a CSRF token.
    """
    runtime: Runtime = request.app.state.runtime
    secret = _bearer(request)
    with runtime.store.session() as session:
        if secret is not None:
            return authenticate(session, secret)
        if request.method not in SAFE_METHODS and not cookie_for_writes:
            return None
        data = request.app.state.web_sessions.read(request)
        if data is None:
            return None
        return principal_by_id(session, int(data["k"]))


# Declares the scheme in OpenAPI (the docs' "Authorize" button); checking is ours.
BEARER_SCHEME = HTTPBearer(auto_error=False, scheme_name="apiKey",
                           description="API key from `minsheng keys create`")


def current_principal(request: Request,
                      _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)]
                      ) -> Principal:
    principal = principal_from_request(request)
    if principal is None:
        detail = ("invalid or revoked API key" if _bearer(request) is not None
                  else "missing API key: send 'Authorization: Bearer <key>'")
        raise HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(capability: str) -> Callable[..., Principal]:
    """A dependency that lets through only keys whose role has ``capability``."""
    def check(principal: PrincipalDep) -> Principal:
        if not principal.can(capability):
            raise HTTPException(403, f"role '{principal.role}' may not do this (needs '{capability}')")
        return principal
    check.__name__ = f"require_{capability}"
    return check


Reader = Annotated[Principal, Depends(require("read"))]
SavedSearcher = Annotated[Principal, Depends(require("saved_search"))]
AlertAcker = Annotated[Principal, Depends(require("alert_ack"))]
WebhookViewer = Annotated[Principal, Depends(require("webhooks"))]
PlaceResolver = Annotated[Principal, Depends(require("place_resolve"))]
SourceAdmin = Annotated[Principal, Depends(require("sources"))]
KeyAdmin = Annotated[Principal, Depends(require("keys"))]
Reloader = Annotated[Principal, Depends(require("reload"))]
Auditor = Annotated[Principal, Depends(require("audit"))]


def app_hook(request: Request, name: str) -> Any:
    """A hook the service put on app.state (scheduler, reload); None when not running."""
    return getattr(request.app.state, name, None)
