"""Keys named in ``api.bootstrap_keys``, made at start-up so a demo can be signed into at once.

The secrets are kept in ``home/bootstrap-keys.json`` (mode 0600) so that a restarted demo
prints the same key; a real deployment leaves ``bootstrap_keys`` empty and uses
`minsheng keys create`.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, select

from api.auth import create_key, hash_secret
from index.models import ApiKey
from index.store import Store


def ensure_bootstrap_keys(store: Store, wanted: dict[str, str], *, home: Path) -> dict[str, str]:
    """Return {name: secret} for every wanted key, creating or re-creating as needed."""
    if not wanted:
        return {}
    path = home / "bootstrap-keys.json"
    known: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    result: dict[str, str] = {}
    for name, role in wanted.items():
        secret = known.get(name)
        with store.session() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.name == name))
            usable = (row is not None and secret is not None and row.revoked_at is None
                      and row.key_hash == hash_secret(secret) and row.role == role)
            if not usable and row is not None:
                session.execute(delete(ApiKey).where(ApiKey.id == row.id))
        result[name] = secret if usable else create_key(store, name, role)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    path.chmod(0o600)
    return result
