"""API keys: 401 without a valid key, 403 for a role that may not act, keys stored hashed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from api.auth import KeyRequestError, create_key, hash_secret, revoke_key
from index.models import ApiKey

from .conftest import add_case


def test_healthz_needs_no_key(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/api/v1/posts/search", "/api/v1/cases", "/api/v1/alerts", "/api/v1/sources",
                                  "/api/v1/stats/overview", "/metrics", "/api/v1/admin/keys"])
def test_every_endpoint_needs_a_key(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_and_revoked_keys_are_refused(client, runtime, keys) -> None:
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer ms_not-a-key"}).status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": f"Basic {keys['admin']}"}).status_code == 401
    ok = {"Authorization": f"Bearer {keys['viewer']}"}
    assert client.get("/api/v1/cases", headers=ok).status_code == 200
    assert revoke_key(runtime.store, "viewer-key")
    assert client.get("/api/v1/cases", headers=ok).status_code == 401


def test_keys_are_stored_hashed(runtime, keys) -> None:
    with runtime.store.session() as session:
        rows = list(session.scalars(select(ApiKey)))
    stored = {row.key_hash for row in rows}
    for secret in keys.values():
        assert secret not in stored and hash_secret(secret) in stored
    assert all(len(row.prefix) < len(keys["admin"]) for row in rows)


def test_bad_key_requests(runtime) -> None:
    with pytest.raises(KeyRequestError, match="unknown role"):
        create_key(runtime.store, "x", "superuser")
    create_key(runtime.store, "dup", "viewer")
    with pytest.raises(KeyRequestError, match="already exists"):
        create_key(runtime.store, "dup", "admin")


@pytest.mark.parametrize("role, method, path, body, allowed", [
    ("viewer", "post", "/api/v1/admin/keys", {"name": "n1", "role": "viewer"}, False),
    ("operator", "post", "/api/v1/admin/keys", {"name": "n2", "role": "viewer"}, False),
    ("admin", "post", "/api/v1/admin/keys", {"name": "n3", "role": "viewer"}, True),
    ("viewer", "post", "/api/v1/sources/forum/pause", None, False),
    ("dispatch", "post", "/api/v1/sources/forum/pause", None, False),
    ("admin", "post", "/api/v1/sources/forum/pause", None, True),
    ("viewer", "get", "/api/v1/deliveries", None, False),
    ("operator", "get", "/api/v1/deliveries", None, False),
    ("dispatch", "get", "/api/v1/deliveries", None, True),
    ("viewer", "get", "/api/v1/admin/audit", None, False),
    ("admin", "get", "/api/v1/admin/audit", None, True),
])
def test_role_matrix(client, auth, role, method, path, body, allowed) -> None:
    response = getattr(client, method)(path, headers=auth(role), **({"json": body} if body else {}))
    if allowed:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403
        assert role in response.json()["detail"]


@pytest.mark.parametrize("role, action, expected", [
    ("viewer", "dispatch", 403), ("operator", "dispatch", 403), ("dispatch", "dispatch", 200),
    ("admin", "dispatch", 200), ("viewer", "reject", 403), ("operator", "reject", 200),
])
def test_case_action_roles(client, runtime, forum_thread, auth, role, action, expected) -> None:
    case_id = add_case(runtime, [forum_thread[1]])
    response = client.post(f"/api/v1/cases/{case_id}/transition", headers=auth(role),
                           json={"action": action, "reason": "不是有效诉求"})
    assert response.status_code == expected, response.text


def test_created_key_works(client, auth) -> None:
    created = client.post("/api/v1/admin/keys", headers=auth("admin"), json={"name": "大屏", "role": "viewer"})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listed = client.get("/api/v1/admin/keys", headers=auth("admin")).json()
    assert "大屏" in {k["name"] for k in listed}
    assert all("secret" not in k and "key_hash" not in k for k in listed)
    again = client.post("/api/v1/admin/keys", headers=auth("admin"), json={"name": "大屏", "role": "viewer"})
    assert again.status_code == 409
    bad = client.post("/api/v1/admin/keys", headers=auth("admin"), json={"name": "x", "role": "root"})
    assert bad.status_code == 422 and "unknown role" in bad.json()["detail"]
