"""`minsheng search`: the staff query syntax from the command line, same hits as the API."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

import typer

from api.cli.context import UserError, state
from index.search.base import Filters, SearchQuery

_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def search_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words (AND), "exact phrase", -exclude, OR')],
    category: Annotated[Optional[str], typer.Option("--category", help="Category at any level, e.g. 城乡建设 or 城乡建设/物业管理")] = None,
    district: Annotated[Optional[str], typer.Option("--district")] = None,
    street: Annotated[Optional[str], typer.Option("--street")] = None,
    source: Annotated[Optional[str], typer.Option("--source")] = None,
    since: Annotated[Optional[datetime], typer.Option("--since", formats=_DATE_FORMATS)] = None,
    until: Annotated[Optional[datetime], typer.Option("--until", formats=_DATE_FORMATS)] = None,
    complaints: Annotated[bool, typer.Option("--complaints", help="Complaints only")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Search posts."""
    cli = state(ctx)
    tz = ZoneInfo(cli.settings.crawl.timezone)
    filters = Filters(district=district, street=street, source_id=source,
                      is_complaint=True if complaints else None,
                      since=since.replace(tzinfo=tz) if since else None,
                      until=until.replace(tzinfo=tz) if until else None,
                      **category_filter(category))
    request = SearchQuery(query=query, filters=filters, size=limit,
                          facets=["level1", "district", "source_id"])
    try:
        result = cli.runtime.search.search(request)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        print(result.model_dump_json())
        return
    print(f"{result.total} 条结果 ({result.took_ms:.1f} ms)")
    for hit in result.hits:
        doc = hit.doc
        when = doc.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        place = doc.place_name or doc.district or "-"
        snippet = (hit.highlights.get("text") or doc.text)[:80].replace("\n", " ")
        print(f"[{doc.id}] {when} {doc.source_id} {place} {doc.level1 or '-'} | {doc.title or snippet}")


def category_filter(category: str | None) -> dict[str, str]:
    """'城乡建设' → level1; '城乡建设/物业管理' → level2; three parts → level3."""
    if not category:
        return {}
    parts = [part.strip() for part in category.split("/") if part.strip()]
    if len(parts) > 3:
        raise UserError(f"--category {category!r}: at most three levels, separated by '/'")
    return {f"level{len(parts)}": parts[-1]}
