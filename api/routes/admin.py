"""Administration: API keys, the audit log, and reloading the config in the running service."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from sqlalchemy import select

from api.audit import recent, record
from api.auth import KeyRequestError, create_key, list_keys, revoke_key
from api.deps import Auditor, DbDep, KeyAdmin, Reloader, RuntimeDep, app_hook
from api.schemas.sources import ActionOut, AuditOut, KeyCreated, KeyIn, KeyOut
from api.settings import ConfigError
from index.models import ApiKey

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/reload", response_model=ActionOut, summary="重新加载配置")
def reload_config(request: Request, db: DbDep, principal: Reloader) -> ActionOut:
    """Re-read the config file: sources, schedules and webhooks (same as SIGHUP)."""
    reload = app_hook(request, "reload")
    if reload is None:
        raise HTTPException(503, "reload is only available in the running service (`minsheng serve`)")
    try:
        reload()
    except ConfigError as exc:
        # The running config stays in force; the operator sees what is wrong in the file.
        raise HTTPException(422, f"config not reloaded: {exc}") from None
    record(db, principal, "admin.reload", {})
    db.commit()
    return ActionOut(detail={"reloaded": True})


@router.get("/keys", response_model=list[KeyOut], summary="API 密钥列表")
def get_keys(runtime: RuntimeDep, principal: KeyAdmin) -> list[KeyOut]:
    return [KeyOut(**row) for row in list_keys(runtime.store)]


@router.post("/keys", response_model=KeyCreated, status_code=201, summary="创建 API 密钥")
def post_key(runtime: RuntimeDep, db: DbDep, principal: KeyAdmin, body: KeyIn) -> KeyCreated:
    try:
        secret = create_key(runtime.store, body.name, body.role)
    except KeyRequestError as exc:
        raise HTTPException(409 if "already exists" in str(exc) else 422, str(exc)) from None
    record(db, principal, "key.create", {"name": body.name, "role": body.role})
    db.commit()
    return KeyCreated(name=body.name, role=body.role, secret=secret)


@router.delete("/keys/{name}", response_model=ActionOut, summary="吊销 API 密钥")
def delete_key(runtime: RuntimeDep, db: DbDep, principal: KeyAdmin,
               name: Annotated[str, Path(min_length=1, max_length=100)]) -> ActionOut:
    if db.scalar(select(ApiKey.id).where(ApiKey.name == name)) is None:
        raise HTTPException(404, f"no key named {name!r}")
    if name == principal.name:
        raise HTTPException(409, "refusing to revoke the key making this request")
    revoked = revoke_key(runtime.store, name)
    record(db, principal, "key.revoke", {"name": name, "revoked": revoked})
    db.commit()
    return ActionOut(detail={"name": name, "revoked": revoked})


@router.get("/audit", response_model=list[AuditOut], summary="审计日志")
def audit_log(db: DbDep, principal: Auditor, actor: str | None = None, action: str | None = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditOut]:
    return [AuditOut.model_validate(row, from_attributes=True)
            for row in recent(db, actor=actor, action=action, limit=limit)]
