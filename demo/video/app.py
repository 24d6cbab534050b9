"""The demo short-video site: video pages that load comments by JavaScript from a JSON API.

Routes mirror the real web app: ``/video/<aweme_id>``, ``/user/<sec_uid>``, and the
``/aweme/v1/web/...`` JSON endpoints. ``/admin/...`` flips fault switches and moves
the clock, for tests and demos.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from demo.video.state import VideoSiteState

_HERE = Path(__file__).resolve().parent
_CHINA = timezone(timedelta(hours=8))


def create_video_app(state: VideoSiteState) -> FastAPI:
    """Build the ASGI app around ``state`` (shared with the caller, who may flip its switches)."""
    app = FastAPI(title="演示短视频站", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    app.state.site = state

    @app.middleware("http")
    async def api_faults(request: Request, call_next: Any) -> Any:
        # Faults hit only the JSON API, as a rate limiter in front of it would.
        if request.url.path.startswith("/aweme/"):
            if state.faults.slow_ms:
                await asyncio.sleep(state.faults.slow_ms / 1000)
            status = state.next_fault()
            if status == 429:
                return JSONResponse({"status_code": 2154, "status_msg": "请求太频繁，请稍后再试"},
                                    status_code=429,
                                    headers={"Retry-After": str(state.faults.retry_after_s)})
            if status == 500:
                return JSONResponse({"status_code": 5, "status_msg": "服务繁忙"}, status_code=500)
        return await call_next(request)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> Any:
        videos = sorted(state.videos.values(), key=lambda v: v.create_time, reverse=True)
        return templates.TemplateResponse(request, "index.html",
                                          {"videos": videos, "accounts": state.accounts()})

    @app.get("/video/{aweme_id}", response_class=HTMLResponse)
    def video_page(request: Request, aweme_id: str) -> Any:
        video = state.video(aweme_id)
        if video is None:
            raise HTTPException(404, "视频不存在")
        first = None if state.faults.require_js else state.comment_page(aweme_id, 0, 20, record=False)
        published = datetime.fromtimestamp(video.create_time, _CHINA).strftime("%Y-%m-%d %H:%M")
        return templates.TemplateResponse(request, "video.html", {
            "video": video, "first_page": first, "published": published})

    @app.get("/user/{sec_uid}", response_class=HTMLResponse)
    def user_page(request: Request, sec_uid: str) -> Any:
        videos = state.account_videos(sec_uid)
        owner = next((u for u in state.accounts() if u["sec_uid"] == sec_uid), None)
        if owner is None:
            raise HTTPException(404, "账号不存在")
        render_data = {"user": owner, "aweme_list": [state.video_json(v) for v in videos]}
        return templates.TemplateResponse(request, "user.html", {
            "user": owner, "videos": videos, "render_data": render_data})

    # The JSON API answers plain JSONResponses from the event loop: the stand-in
    # platform must not be what a crawl benchmark measures (FastAPI's response
    # encoding of nested dicts and the thread pool hop cost more than the data).
    @app.get("/aweme/v1/web/aweme/detail/")
    async def aweme_detail(aweme_id: str = Query(...)) -> JSONResponse:
        video = state.video(aweme_id)
        return JSONResponse({"status_code": 0, "aweme_detail": state.video_json(video) if video else None})

    @app.get("/aweme/v1/web/aweme/post/")
    async def aweme_post(sec_user_id: str = Query(...), max_cursor: int = 0, count: int = 18) -> JSONResponse:
        videos = state.account_videos(sec_user_id)
        chunk = videos[max_cursor:max_cursor + max(1, min(count, 50))]
        return JSONResponse({"status_code": 0, "aweme_list": [state.video_json(v) for v in chunk],
                             "max_cursor": max_cursor + len(chunk),
                             "has_more": int(max_cursor + len(chunk) < len(videos))})

    @app.get("/aweme/v1/web/comment/list/")
    async def comment_list(aweme_id: str = Query(...), cursor: int = 0, count: int = 20) -> JSONResponse:
        return JSONResponse(state.comment_page(aweme_id, cursor, count))

    @app.get("/aweme/v1/web/comment/list/reply/")
    async def reply_list(item_id: str = Query(...), comment_id: str = Query(...), cursor: int = 0,
                         count: int = 10) -> JSONResponse:
        return JSONResponse(state.reply_page(item_id, comment_id, cursor, count))

    @app.get("/admin/stats")
    def admin_stats() -> dict[str, Any]:
        return {"now": state.clock.now(), "api_requests": state.api_requests,
                "served": dict(state.served), **state.totals()}

    @app.post("/admin/faults")
    def admin_faults(changes: dict[str, Any] = Body(...)) -> dict[str, Any]:
        try:
            state.faults.update(changes)
        except (ValueError, TypeError) as exc:
            raise HTTPException(400, str(exc)) from None
        return vars(state.faults)

    @app.post("/admin/advance")
    def admin_advance(seconds: float = Body(..., embed=True)) -> dict[str, Any]:
        return {"now": state.clock.advance(seconds)}

    return app
