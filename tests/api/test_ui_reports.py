"""Reports (日清、周结、月分析): HTML with inline SVG charts and masked, escaped text; a PDF
from headless Chromium; the UI lists, serves and generates them."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from api.reports import print_pdf, run_report, write_report
from api.ui.digest import period_window

from .conftest import BASE_TIME, add_alert, add_case, add_post
from .test_ui import HOSTILE, _csrf, sign_in

TZ = ZoneInfo("Asia/Shanghai")
DAY = BASE_TIME.astimezone(TZ).date()


def test_period_windows() -> None:
    assert period_window("daily", date(2025, 6, 4), TZ) == (datetime(2025, 6, 4, tzinfo=TZ), datetime(2025, 6, 5, tzinfo=TZ))
    assert period_window("weekly", date(2025, 6, 4), TZ)[0] == datetime(2025, 6, 2, tzinfo=TZ)  # Monday
    assert period_window("monthly", date(2025, 12, 31), TZ) == (datetime(2025, 12, 1, tzinfo=TZ),
                                                               datetime(2026, 1, 1, tzinfo=TZ))
    with pytest.raises(ValueError, match="period"):
        period_window("yearly", date(2025, 1, 1), TZ)  # type: ignore[arg-type]


@pytest.fixture
def hostile_day(runtime, forum_thread) -> str:
    post = add_post(runtime, external_id="evil", kind="thread", title=HOSTILE, text=f"电梯 {HOSTILE} 13812345678",
                    published_at=BASE_TIME + timedelta(hours=1), url="javascript:alert(1)",
                    tag={"level1": "城乡建设", "level2": "物业管理", "district": "南湖区", "place_id": "p-zyc",
                         "place": {"id": "p-zyc", "name": "中央城"}})
    case_id = add_case(runtime, [post, forum_thread[3]], title=f"电梯 {HOSTILE} 13812345678")
    add_alert(runtime, "evil", title=HOSTILE + " 13812345678", case_id=case_id)
    return case_id


def test_daily_report_html(runtime, hostile_day) -> None:
    path = write_report(runtime, "daily", DAY, pdf=False)
    assert path.name == f"daily-{DAY.isoformat()}.html" and path.parent == runtime.settings.home / "reports"
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html
    assert "13812345678" not in html and "138****5678" in html
    assert html.count("<svg") == 3  # trend, categories, districts
    assert "城乡建设" in html and "中央城" in html and hostile_day in html


def test_weekly_and_monthly_name_their_first_day(runtime, forum_thread) -> None:
    assert write_report(runtime, "weekly", date(2025, 6, 4), pdf=False).name == "weekly-2025-06-02.html"
    assert write_report(runtime, "monthly", date(2025, 6, 4), pdf=False).name == "monthly-2025-06-01.html"


def test_run_report_rejects_bad_arguments(runtime) -> None:
    with pytest.raises(ValueError, match="period"):
        run_report(runtime, "yearly")
    with pytest.raises(ValueError, match="--date"):
        run_report(runtime, "daily", "2025-13-01")


@pytest.mark.browser
@pytest.mark.slow
def test_pdf_from_chromium(runtime, hostile_day) -> None:
    if not Path("/usr/bin/chromium").is_file():
        pytest.skip("/usr/bin/chromium not installed")
    html, pdf = run_report(runtime, "daily", DAY.isoformat())
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")


def test_print_pdf_without_chromium(tmp_path) -> None:
    page = tmp_path / "r.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    assert print_pdf(page, tmp_path / "r.pdf", chromium=tmp_path / "no-chromium") is None


def test_ui_lists_serves_and_generates(client, runtime, keys, hostile_day) -> None:
    sign_in(client, keys["viewer"])
    assert "还没有报告" in client.get("/reports").text
    token = _csrf(client.get("/reports").text)
    made = client.post("/ui/reports", data={"period": "daily", "day": DAY.isoformat(), "csrf_token": token},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == f"/reports/daily-{DAY.isoformat()}.html"
    served = client.get(made.headers["location"])
    assert served.status_code == 200 and "舆情日报" in served.text
    csp = served.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script at all
    assert f"daily-{DAY.isoformat()}.html" in client.get("/reports").text
    assert client.get("/reports/..%2Fminsheng.db").status_code in (404, 422)
    assert client.get("/reports/daily-2020-01-01.html").status_code == 404
    assert client.post("/ui/reports", data={"period": "yearly", "csrf_token": token}).status_code == 422
