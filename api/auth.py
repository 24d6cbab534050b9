"""API keys and the role matrix: who may read, act on cases, dispatch, or administer.

Secrets are shown once at creation and stored only as their SHA-256 digest, so a
leaked database does not leak working keys. Keys are random (256 bits), so a plain
unsalted digest is enough: there is nothing to brute-force.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from index.models import ApiKey
from index.store import Store

ROLES = ("viewer", "operator", "dispatch", "admin")
SECRET_PREFIX = "ms_"

# Capabilities per role. Read-only views and frozensets: the matrix is policy, not state.
PERMISSIONS = MappingProxyType({
    "viewer": frozenset({"read", "saved_search"}),
    "operator": frozenset({"read", "saved_search", "read_unmasked", "case_act", "alert_ack",
                           "place_resolve"}),
    "dispatch": frozenset({"read", "saved_search", "case_act", "case_dispatch", "alert_ack",
                           "webhooks"}),
    "admin": frozenset({"read", "saved_search", "read_unmasked", "case_act", "case_dispatch",
                        "alert_ack", "webhooks", "place_resolve", "sources", "keys", "reload",
                        "audit"}),
})

# Case actions that only dispatchers (and admins) may take; the rest need "case_act".
DISPATCH_ACTIONS = frozenset({"dispatch", "assign"})


class KeyRequestError(ValueError):
    """A key request the operator can fix (unknown role, duplicate name)."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: one API key."""

    key_id: int
    name: str
    role: str

    def can(self, capability: str) -> bool:
        return capability in PERMISSIONS.get(self.role, frozenset())

    @property
    def sees_unmasked(self) -> bool:
        return self.can("read_unmasked")

    def may_act(self, action: str) -> bool:
        """May this caller take ``action`` on a case (dispatch, accept, resolve…)?"""
        return self.can("case_dispatch") if action in DISPATCH_ACTIONS else (
            self.can("case_act") or self.can("case_dispatch"))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(store: Store, name: str, role: str, *, now: datetime | None = None) -> str:
    """Create a key and return its secret (the only time it is ever visible)."""
    name = (name or "").strip()
    if role not in ROLES:
        raise KeyRequestError(f"unknown role {role!r} (use one of: {', '.join(ROLES)})")
    if not name or len(name) > 100:
        raise KeyRequestError("a key needs a name of 1–100 characters")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with store.session() as session:
        if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
            raise KeyRequestError(f"a key named {name!r} already exists")
        session.add(ApiKey(name=name, role=role, key_hash=hash_secret(secret), prefix=secret[:10],
                           created_at=now or datetime.now(timezone.utc), revoked_at=None))
    return secret




def authenticate(session: Session, secret: str) -> Principal | None:
    """The live (unrevoked) key behind ``secret``, or None."""
    if not secret or len(secret) > 200:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_secret(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, name=row.name, role=row.role)


def principal_by_id(session: Session, key_id: int) -> Principal | None:
    """The key a signed UI session refers to, if it is still live."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, name=row.name, role=row.role)


def revoke_key(store: Store, name: str, *, now: datetime | None = None) -> bool:
    with store.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.name == name))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = now or datetime.now(timezone.utc)
        return True


def list_keys(store: Store) -> list[dict[str, object]]:
    """Every key without its secret: name, role, prefix, created, revoked."""
    with store.session() as session:
        return [{"id": k.id, "name": k.name, "role": k.role, "prefix": k.prefix,
                 "created_at": k.created_at, "revoked_at": k.revoked_at}
                for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]
