"""Commands that move posts: ingest a feed, tag text, search, export."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

import typer

from api.cli.context import UserError, batched, progress, state
from crawlers.feed import FeedError, read_feed
from nlp.schema import TagInput


def ingest_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON lines: id, title, text, time, [author, url, parent, likes, region]")],
    source: Annotated[str, typer.Option("--source", help="Source id the posts belong to (e.g. hotline).")] = "feed",
) -> None:
    """Ingest a JSON-lines feed (hotline work orders or any other feed)."""
    cli = state(ctx)
    settings = cli.settings  # a bad config is reported before anything else
    if not file.is_file():
        raise UserError(f"{file}: file not found")
    runtime = cli.runtime
    info = runtime.source_info(source)
    tz = ZoneInfo(settings.crawl.timezone)
    errors: list[FeedError] = []
    totals = {"new": 0, "updated": 0, "unchanged": 0}
    size = file.stat().st_size
    with file.open(encoding="utf-8", errors="replace") as stream, progress(size, f"ingest {file.name}") as advance:
        def good_lines():
            for item in read_feed(stream, source, info.kind, tz):
                if isinstance(item, FeedError):
                    errors.append(item)
                    print(f"minsheng: {file}: {item}", file=sys.stderr)
                else:
                    yield item
        for batch in batched(good_lines(), cli.settings.crawl.ingest_batch_size):
            report = runtime.ingest(batch)
            totals["new"] += report.new
            totals["updated"] += report.updated
            totals["unchanged"] += report.unchanged
            advance(stream.tell() if stream.seekable() else 0)
    print(json.dumps({"file": str(file), "source": source, **totals, "bad_lines": len(errors)}, ensure_ascii=False))
    if errors:
        raise typer.Exit(1)


def _tag_input(line: str, number: int) -> TagInput:
    line = line.strip()
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"stdin line {number}: malformed JSON ({exc.msg})") from None
        return TagInput(title=str(data.get("title") or ""), text=str(data.get("text") or ""),
                        area=data.get("area"), context=data.get("context"))
    if line.startswith('"'):
        try:
            return TagInput(text=str(json.loads(line)))
        except json.JSONDecodeError:
            pass
    return TagInput(text=line)


def tag_cmd(ctx: typer.Context) -> None:
    """Tag JSON lines ({"title","text"} or a bare string) from stdin; one JSON line of tags each."""
    tagger = state(ctx).runtime.tagger
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            tags = tagger.tag(_tag_input(line, number))
        except UserError as exc:
            print(f"minsheng: error: {exc}", file=sys.stderr)
            continue
        print(tags.model_dump_json(), flush=True)


def export_cmd(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="posts | cases | alerts")],
    source: Annotated[Optional[str], typer.Option("--source")] = None,
    since: Annotated[Optional[datetime], typer.Option("--since", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])] = None,
) -> None:
    """Export posts, cases or alerts as JSON lines."""
    from index.export import export_rows

    if what not in ("posts", "cases", "alerts"):
        raise UserError(f"export: unknown table {what!r} (use posts, cases or alerts)")
    cli = state(ctx)
    tz = ZoneInfo(cli.settings.crawl.timezone)
    since_aware = since.replace(tzinfo=tz) if since and since.tzinfo is None else since
    for row in export_rows(cli.runtime.store, what, source=source, since=since_aware):
        print(json.dumps(row, ensure_ascii=False, default=str))


def register(app: typer.Typer) -> None:
    from api.cli.searching import search_cmd

    app.command("ingest")(ingest_cmd)
    app.command("tag")(tag_cmd)
    app.command("search")(search_cmd)
    app.command("export")(export_cmd)
