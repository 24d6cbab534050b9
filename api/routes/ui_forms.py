"""UI forms: sign in with an API key, sign out, act on or merge a case, acknowledge an alert.

Every POST here checks the CSRF token against this browser's nonce cookie first, so a
foreign page cannot make a signed-in browser act.
"""
from __future__ import annotations

from datetime import datetime, timezone
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import record
from api.auth import authenticate
from api.deps import DbDep, RuntimeDep
from api.routes.ui import Staff
from api.ui.templating import render
from cases import lifecycle
from cases.feed import acknowledge
from index.models import Alert

router = APIRouter(include_in_schema=False)
CaseId = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]


def check_csrf(request: Request, token: str | None) -> None:
    if not request.app.state.web_sessions.csrf_ok(request, token):
        raise HTTPException(403, "CSRF token missing or invalid; reload the page and try again")


def local_target(next_url: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in is a phishing aid."""
    if not next_url:
        return "/"
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or not next_url.startswith("/") or next_url.startswith("//"):
        return "/"
    return next_url


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": local_target(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: DbDep, api_key: Annotated[str, Form(max_length=200)] = "",
          csrf_token: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=2000)] = "/"
          ) -> Response:
    check_csrf(request, csrf_token)
    principal = authenticate(db, api_key.strip())
    if principal is None:
        return render(request, "login.html", {"next": local_target(next), "error": "密钥无效或已吊销"},
                      status_code=401)
    record(db, principal, "ui.login", {"client": request.client.host if request.client else None})
    db.commit()
    response = RedirectResponse(local_target(next), status_code=303)
    request.app.state.web_sessions.issue(request, response, principal.key_id)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    request.app.state.web_sessions.clear(response)
    return response


def _act(request: Request, db: DbDep, principal: Staff, case_id: str, action: str, reason: str,
         back: str, apply: Callable[[datetime], object], detail: dict[str, object]) -> Response:
    """Role check, then the lifecycle change, audit and commit; refusals become a page."""
    if not principal.may_act(action):
        raise HTTPException(403, f"role '{principal.role}' may not {action} cases")
    try:
        apply(datetime.now(timezone.utc))
    except lifecycle.CaseNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except (lifecycle.InvalidTransition, ValueError) as exc:
        db.rollback()
        return render(request, "message.html", {"title": "操作未执行", "message": str(exc),
                                                "back": local_target(back) if back else f"/cases/{case_id}"},
                      status_code=409)
    record(db, principal, f"case.{action}", {"case_id": case_id, "reason": reason, "channel": "ui", **detail})
    db.commit()
    return RedirectResponse(local_target(back) if back else f"/cases/{case_id}", status_code=303)


@router.post("/ui/cases/{case_id}/transition")
def case_action(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff, case_id: CaseId,
                action: Annotated[str, Form(max_length=32)], csrf_token: Annotated[str, Form(max_length=200)] = "",
                reason: Annotated[str, Form(max_length=2000)] = "",
                assignee: Annotated[str, Form(max_length=100)] = "",
                department: Annotated[str, Form(max_length=100)] = "",
                back: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """dispatch / accept / resolve / close / reopen / reject, each with a reason."""
    check_csrf(request, csrf_token)
    settings = runtime.settings
    return _act(request, db, principal, case_id, action, reason, back,
                lambda now: lifecycle.transition(
                    db, case_id, action, actor=principal.name, now=now, sla=settings.sla,
                    webhooks=settings.webhooks, reason=reason.strip() or None,
                    department=department.strip() or None, assignee=assignee.strip() or None), {})


@router.post("/ui/cases/{case_id}/merge")
def case_merge(request: Request, db: DbDep, principal: Staff, case_id: CaseId,
               into: Annotated[str, Form(max_length=20, pattern=r"^[A-Za-z0-9-]+$")],
               csrf_token: Annotated[str, Form(max_length=200)] = "",
               reason: Annotated[str, Form(max_length=2000)] = "",
               back: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Fold this case into ``into`` (its evidence moves; this one becomes 已合并)."""
    check_csrf(request, csrf_token)
    return _act(request, db, principal, case_id, "merge", reason, back or f"/cases/{into.strip()}",
                lambda now: lifecycle.merge(db, case_id, into.strip(), actor=principal.name, now=now,
                                            reason=reason.strip() or None), {"into": into.strip()})


@router.post("/ui/alerts/{alert_id}/ack")
def alert_ack(request: Request, db: DbDep, principal: Staff, alert_id: Annotated[int, Path(ge=1)],
              csrf_token: Annotated[str, Form(max_length=200)] = "",
              back: Annotated[str, Form(max_length=2000)] = "") -> Response:
    check_csrf(request, csrf_token)
    if not principal.can("alert_ack"):
        raise HTTPException(403, f"role '{principal.role}' may not acknowledge alerts")
    alert = db.get(Alert, alert_id)
    if alert is None:
        raise HTTPException(404, f"alert {alert_id} not found")
    if alert.acked_at is None:
        acknowledge(db, alert_id, actor=principal.name, now=datetime.now(timezone.utc))
        record(db, principal, "alert.ack", {"alert_id": alert_id, "channel": "ui"})
    db.commit()
    return RedirectResponse(local_target(back) if back else "/alerts", status_code=303)
