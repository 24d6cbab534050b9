"""Daily, weekly and monthly reports (日清、周结、月分析): an HTML file and, when headless
Chromium is installed, a PDF printed from it.

``write_report(runtime, period, day)`` is what `minsheng report` and the UI call. Reports
leave the system (mailed, printed), so personal numbers in them are always masked, and
they carry no script: charts are SVG drawn here (api.report_svg).
"""
from __future__ import annotations

import subprocess
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional
from zoneinfo import ZoneInfo

import jinja2
import typer
from sqlalchemy import select

from api.masking import mask_text
from api.report_svg import PALETTE, bar_chart, series_chart
from api.ui.digest import PERIOD_LABELS, Period, build_digest, period_window
from api.ui.templating import ALERT_LABELS, TEMPLATE_DIR, duration, plain
from cases.kpi import compute_kpis
from cases.lifecycle import STATUS_LABELS
from crawlers.health import source_overview
from index.models import Alert, Case

CHROMIUM = Path("/usr/bin/chromium")
# The flags every Chromium this project starts uses (see the video crawler).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
PDF_TIMEOUT_S = 90
TITLES = {"daily": "舆情日报", "weekly": "舆情周报", "monthly": "舆情月报"}


def report_dir(home: Path) -> Path:
    return home / "reports"


def list_reports(home: Path) -> list[dict[str, Any]]:
    """Written reports, newest first: name, period, date, and whether a PDF exists."""
    folder = report_dir(home)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.html"), key=lambda p: p.stat().st_mtime, reverse=True):
        period, _, day = path.stem.partition("-")
        if period in TITLES:
            pdf = path.with_suffix(".pdf")
            out.append({"name": path.name, "title": TITLES[period], "period": period, "date": day,
                        "pdf": pdf.name if pdf.is_file() else None})
    return out


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(plain=plain, duration=duration, mask=lambda text: mask_text(text) or "")
    env.globals.update(ALERT_LABELS=ALERT_LABELS)
    return env


def report_context(runtime: Any, period: Period, day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """The report's numbers, tables and charts for the period containing ``day``."""
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    start, end = period_window(period, day, tz)
    now = now or datetime.now(timezone.utc)
    until = min(end, now) if start < now else end
    with runtime.store.session() as session:
        digest = build_digest(session, start, end, tz, interval="hour" if period == "daily" else "day")
        kpis = compute_kpis(session, now=until, days=max(1, (end - start).days),
                            tz_name=runtime.settings.crawl.timezone)
        cases = list(session.scalars(select(Case).where(Case.created_at >= start, Case.created_at < end)
                                     .order_by(Case.created_at).limit(200)))
        alerts = list(session.scalars(select(Alert).where(Alert.created_at >= start, Alert.created_at < end)
                                      .order_by(Alert.id).limit(200)))
        case_rows = [{"id": c.id, "title": c.title, "category": " / ".join(x for x in (c.level1, c.level2) if x),
                      "place": " ".join(x for x in (c.district, c.street, (c.place or {}).get("name")) if x),
                      "status": STATUS_LABELS.get(c.status, c.status), "priority": c.priority,
                      "created": c.created_at.astimezone(tz).strftime("%m-%d %H:%M")} for c in cases]
        alert_rows = [{"id": a.id, "type": a.type, "level": a.level, "title": a.title, "case_id": a.case_id,
                       "created": a.created_at.astimezone(tz).strftime("%m-%d %H:%M")} for a in alerts]
    return {
        "title": TITLES[period], "label": PERIOD_LABELS[period], "period": period,
        "start": start.strftime("%Y-%m-%d %H:%M"), "end": end.strftime("%Y-%m-%d %H:%M"),
        "generated": now.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "digest": digest, "kpis": kpis,
        "cases": case_rows, "alerts": alert_rows, "status_labels": STATUS_LABELS,
        "sources": source_overview(runtime.store, runtime.settings.sources, now=until),
        "charts": {"series": series_chart(digest.series, (("posts", "帖子"), ("complaints", "诉求"))),
                   "category": bar_chart(digest.by_category, colour=PALETTE[0]),
                   "district": bar_chart(digest.by_district, colour=PALETTE[2])},
    }


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: Path = CHROMIUM) -> Path | None:
    """Print ``html_path`` to PDF with headless Chromium; None if it is not installed or fails."""
    if not chromium.is_file():
        return None
    with tempfile.TemporaryDirectory(prefix="minsheng-pdf-") as profile:
        command = [str(chromium), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()  # our own child, by its handle
            process.wait()
            return None
    return pdf_path if pdf_path.is_file() and pdf_path.stat().st_size > 0 else None


def write_report(runtime: Any, period: Period, day: date, *, pdf: bool = True) -> Path:
    """Write ``reports/<period>-<date>.html`` under the home (and a .pdf); returns the HTML path.

    ``day`` is any day in the period; the file is named after the period's first day.
    """
    if period not in TITLES:
        raise ValueError(f"unknown report period {period!r} (use daily, weekly or monthly)")
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    start, _ = period_window(period, day, tz)
    folder = report_dir(runtime.settings.home)
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{period}-{start.date().isoformat()}.html"
    html = _environment().get_template("report.html").render(**report_context(runtime, period, day))
    partial = html_path.with_suffix(".html.part")
    partial.write_text(html, encoding="utf-8")
    partial.replace(html_path)  # a reader never sees half a report
    if pdf:
        pdf_path = html_path.with_suffix(".pdf")
        pdf_path.unlink(missing_ok=True)
        print_pdf(html_path, pdf_path)
    return html_path


def run_report(runtime: Any, period: str, day: str | None = None) -> tuple[Path, Path | None]:
    """Check the CLI's arguments and write the report; returns (html, pdf or None).

    Bad input raises ValueError with a one-line message naming the argument.
    """
    if period not in TITLES:
        raise ValueError(f"period: {period!r} is not daily, weekly or monthly")
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    try:
        chosen = date.fromisoformat(day) if day else datetime.now(tz).date()
    except ValueError:
        raise ValueError(f"--date: {day!r} is not a date (YYYY-MM-DD)") from None
    html = write_report(runtime, period, chosen)  # type: ignore[arg-type]
    pdf = html.with_suffix(".pdf")
    return html, pdf if pdf.is_file() else None


def report_command(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="daily | weekly | monthly (日清、周结、月分析)")],
    day: Annotated[Optional[str], typer.Option(
        "--date", help="any day in the period, YYYY-MM-DD; default today")] = None,
) -> None:
    """Write an HTML report (and a PDF when Chromium is installed) under <home>/reports."""
    from api.cli.context import UserError, state

    try:
        html, pdf = run_report(state(ctx).runtime, period, day)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    print(html)
    if pdf is not None:
        print(pdf)
