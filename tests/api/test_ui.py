"""The staff web UI: sign-in with CSRF, strict CSP, hostile post text, masking, case forms."""
from __future__ import annotations

import re

import pytest

from api.ui.templating import safe_highlight

from .conftest import add_case, add_post

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _csrf(page_html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, secret: str) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"api_key": secret, "csrf_token": _csrf(page.text), "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def test_pages_need_sign_in(client) -> None:
    for path in ("/", "/cases", "/alerts", "/overview"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_sign_in_sets_httponly_session(client, keys) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"api_key": keys["viewer"], "csrf_token": _csrf(page.text),
                                           "next": "/overview"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/overview"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("ms_session="))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert client.get("/overview").status_code == 200


def test_wrong_key_and_missing_csrf_are_refused(client, keys) -> None:
    page = client.get("/login")
    wrong = client.post("/login", data={"api_key": "ms_nope", "csrf_token": _csrf(page.text)})
    assert wrong.status_code == 401 and "密钥无效" in wrong.text
    no_token = client.post("/login", data={"api_key": keys["admin"]}, follow_redirects=False)
    assert no_token.status_code == 403
    forged = client.post("/login", data={"api_key": keys["admin"], "csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "ms_session" not in client.cookies


def test_open_redirect_is_refused(client, keys) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"api_key": keys["viewer"], "csrf_token": _csrf(page.text),
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_csp_and_security_headers(client) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text.replace('<script src="/static/app.js" defer></script>', "")


def test_hostile_post_rendered_as_text(client, runtime, keys) -> None:
    post_id = add_post(runtime, external_id="evil", kind="thread", title=HOSTILE, text=f"电梯 {HOSTILE}",
                       url="javascript:alert(3)", thread_external_id="evil")
    sign_in(client, keys["viewer"])
    for page in (client.get("/", params={"q": "电梯"}), client.get("/"), client.get(f"/posts/{post_id}")):
        assert page.status_code == 200
        assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert 'href="javascript:' not in page.text


def test_ui_search_highlights_and_masks(client, keys, forum_thread) -> None:
    sign_in(client, keys["viewer"])
    page = client.get("/", params={"q": "物业"})
    assert "<em>物</em>" in page.text or "<em>物业</em>" in page.text
    assert "13812345678" not in page.text and "138****5678" in page.text
    bad = client.get("/", params={"q": '"电梯'})
    assert bad.status_code == 200 and "unclosed quote" in bad.text


@pytest.mark.parametrize("html, trusted", [
    ("a <em>电梯</em> b &amp; c", True),
    ("<em>a</em><em>b</em>", True),
    ("<em>a", False),
    ("</em>a<em>", False),
    ("<em onclick=x>a</em>", False),
    ("<b>a</b>", False),
    ("a & b", False),
    ('x" onmouseover="y', False),
])
def test_highlight_is_revalidated(html: str, trusted: bool) -> None:
    out = str(safe_highlight(html))
    assert (out == html) is trusted
    if not trusted:
        assert "<" not in out.replace("&lt;", "")


def test_case_form_needs_csrf_and_role(client, runtime, keys, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[1]])
    sign_in(client, keys["dispatch"])
    page = client.get(f"/cases/{case_id}")
    assert "派单" in page.text
    token = _csrf(page.text)
    refused = client.post(f"/ui/cases/{case_id}/transition", data={"action": "dispatch"}, follow_redirects=False)
    assert refused.status_code == 403
    done = client.post(f"/ui/cases/{case_id}/transition", data={"action": "dispatch", "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.get(f"/api/v1/cases/{case_id}").json()["case"]["status"] == "dispatched"
    invalid = client.post(f"/ui/cases/{case_id}/transition", data={"action": "dispatch", "csrf_token": token})
    assert invalid.status_code == 409 and "不能" in invalid.text


def test_cookie_session_cannot_write_json_api(client, runtime, keys, forum_thread) -> None:
    """A browser session may read the JSON API (the SSE feed) but not change state through it."""
    case_id = add_case(runtime, [forum_thread[1]])
    sign_in(client, keys["admin"])
    assert client.get("/api/v1/cases").status_code == 200
    assert client.post(f"/api/v1/cases/{case_id}/transition", json={"action": "dispatch"}).status_code == 401


def test_demo_auto_sign_in(app, client, keys, forum_thread) -> None:
    app.state.demo_login_key = keys["viewer"]
    page = client.get("/")
    assert page.status_code == 200 and "中央城小区电梯坏了" in page.text
    assert "ms_session" in client.cookies
    app.state.demo_login_key = None
    assert client.get("/cases").status_code == 200  # the session cookie carries on


def test_overview_and_alerts_pages(client, runtime, keys, forum_thread) -> None:
    sign_in(client, keys["operator"])
    overview = client.get("/overview")
    assert overview.status_code == 200 and "南湖论坛" in overview.text
    alerts = client.get("/alerts")
    assert alerts.status_code == 200 and 'id="live-state"' in alerts.text


def test_logout(client, keys) -> None:
    sign_in(client, keys["viewer"])
    token = _csrf(client.get("/cases").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/cases", follow_redirects=False).status_code == 303
