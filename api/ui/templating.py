"""The UI's Jinja2 environment: autoescape always on, and the few filters pages need.

Post text is hostile. Templates never mark user text safe; the one exception is the
search engine's highlight, which is accepted only after checking that it is escaped
text whose only markup is balanced ``<em>`` tags (``safe_highlight``).
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from cases.lifecycle import ACTION_LABELS, STATUS_LABELS

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_EM = re.compile(r"</?em>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
# Bidirectional controls (LRE…RLO, LRI…PDI) and the invisible marks: a post can use them to
# make "exe.txt" read as "txt.exe" or reorder a sentence. They are shown, never obeyed.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
URGENCY_LABELS = {"high": "紧急", "normal": "一般", "low": "较低"}
PRIORITY_LABELS = {"urgent": "特急", "high": "高", "normal": "普通", "low": "低"}
KIND_LABELS = {"thread": "主帖", "reply": "回帖", "comment": "评论", "comment_reply": "回复评论",
               "video": "视频", "order": "工单"}
# History rows: the lifecycle's actions plus what the system records on its own.
EVENT_LABELS = {**ACTION_LABELS, "created": "立案", "post_added": "新增证据", "duplicate_added": "重复证据",
                "escalate": "提级", "ledger": "列入台账", "hotline_linked": "热线来电", "merged_in": "并入工单",
                "overdue": "超时督办", "warn": "预警", "notify": "通报"}
ALERT_LABELS = {"new_case": "新工单", "warning": "预警单", "escalation": "提级办理", "overdue": "督办",
                "reopened": "重新办理", "spike": "异常激增", "ledger": "台账", "saved_search": "订阅命中",
                "source_health": "数据源异常"}


def _balanced(html: str) -> bool:
    """<em> and </em> alternate, starting with <em> and ending closed (no nesting)."""
    open_ = False
    for tag in _EM.findall(html):
        if (tag == "<em>") == open_:
            return False
        open_ = not open_
    return not open_


def safe_highlight(html: str | None) -> Markup:
    """Markup for a highlight if it is escaped text plus balanced <em>; else escaped text."""
    if not html:
        return Markup("")
    html = plain(html)
    bare = _EM.sub("", html)
    if "<" in bare or ">" in bare or '"' in bare or "&" in _ENTITY.sub("", bare) or not _balanced(html):
        return escape(html)
    return Markup(html)


def plain(text: object) -> str:
    """User text with bidi controls made visible (⟦U+202E⟧); autoescape does the rest."""
    if text is None:
        return ""
    return _BIDI.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", str(text))


def safe_url(url: str | None) -> str:
    """Links to the original post only over http(s): a javascript: URL stays unclickable."""
    if not url:
        return ""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else ""


def _localtime(value: datetime | None, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def duration(seconds: float | None) -> str:
    """A KPI duration in Chinese: 45秒, 12分钟, 3.5小时, 2.1天; None → —."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f}秒"
    if seconds < 3600:
        return f"{seconds / 60:.0f}分钟"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f}小时"
    return f"{seconds / 86400:.1f}天"


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(highlight=safe_highlight, localtime=_localtime, safe_url=safe_url, plain=plain,
                       duration=duration)
    env.globals.update(STATUS_LABELS=STATUS_LABELS, ACTION_LABELS=ACTION_LABELS, EVENT_LABELS=EVENT_LABELS,
                       URGENCY_LABELS=URGENCY_LABELS, PRIORITY_LABELS=PRIORITY_LABELS, KIND_LABELS=KIND_LABELS, ALERT_LABELS=ALERT_LABELS)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
    """Render a page with the CSRF token, the signed-in key and the timezone filled in."""
    state = request.app.state
    sessions = state.web_sessions
    full = {"csrf_token": sessions.csrf_token(request), "principal": getattr(request.state, "principal", None),
            "tz": state.runtime.settings.crawl.timezone, "path": request.url.path, **context}
    response = state.templates.TemplateResponse(request, name, full, status_code=status_code)
    sessions.attach_csrf(request, response)
    pending = getattr(request.state, "new_session_key", None)
    if pending is not None:  # demo auto sign-in happened on this request
        sessions.issue(request, response, pending)
    return response
