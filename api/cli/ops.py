"""Running the monitor: crawl now, list sources and runs, serve, and the demo."""
from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from api.cli.context import UserError, state

sources_app = typer.Typer(help="Configured sources and their health.", no_args_is_help=True)
crawls_app = typer.Typer(help="Crawl run history.", no_args_is_help=True)


def crawl_cmd(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(help="A source id from the config")],
    max_pages: Annotated[Optional[int], typer.Option("--max-pages", min=1)] = None,
) -> None:
    """Crawl one source now; the last line is a JSON summary."""
    from crawlers.run import run_crawl

    cli = state(ctx)
    cli.settings.source(source_id)  # unknown id → one-line error before any subprocess
    summary = run_crawl(cli.settings, source_id, max_pages=max_pages, trigger="manual")
    print(json.dumps(summary, ensure_ascii=False))
    if summary.get("status") in ("failed", "timeout"):
        raise typer.Exit(1)


@sources_app.command("list")
def sources_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each source with its last run, last success, posts in 24 h and error rate."""
    from crawlers.health import source_overview

    cli = state(ctx)
    rows = source_overview(cli.runtime.store, cli.settings.sources, health=cli.settings.health)
    for row in rows:
        if as_json:
            print(json.dumps(row, ensure_ascii=False, default=str))
        else:
            problems = ",".join(p["name"] for p in row["health"]["problems"])
            print(f"{row['id']:<16} {row['kind']:<8} {'暂停' if row['paused'] else '运行'} "
                  f"last={row['last_status'] or '-'} 24h={row['posts_24h']} errors={row['error_rate']:.0%} "
                  f"health={row['health']['status']}{':' + problems if problems else ''}")


@sources_app.command("crawl")
def sources_crawl(ctx: typer.Context, source_id: str) -> None:
    """Crawl a source now (same as `minsheng crawl`)."""
    crawl_cmd(ctx, source_id, max_pages=None)


def _set_paused(ctx: typer.Context, source_id: str, paused: bool) -> None:
    from crawlers.health import set_paused

    cli = state(ctx)
    source = cli.settings.source(source_id)
    set_paused(cli.runtime.store, source, paused)
    print(json.dumps({"source": source_id, "paused": paused}))


@sources_app.command("pause")
def sources_pause(ctx: typer.Context, source_id: str) -> None:
    """Stop scheduling a source (a running crawl finishes)."""
    _set_paused(ctx, source_id, True)


@sources_app.command("resume")
def sources_resume(ctx: typer.Context, source_id: str) -> None:
    """Schedule a paused source again."""
    _set_paused(ctx, source_id, False)


@crawls_app.command("list")
def crawls_list(ctx: typer.Context, source: Annotated[Optional[str], typer.Option("--source")] = None,
                limit: Annotated[int, typer.Option("--limit", min=1)] = 20) -> None:
    """Recent crawl runs, newest first, as JSON lines."""
    from crawlers.health import recent_runs

    for run in recent_runs(state(ctx).runtime.store, source, limit):
        print(json.dumps(run, ensure_ascii=False, default=str))


def serve_cmd(
    ctx: typer.Context,
    host: Annotated[Optional[str], typer.Option("--host")] = None,
    port: Annotated[Optional[int], typer.Option("--port")] = None,
) -> None:
    """Run the API, the staff UI, the scheduler and the alert dispatcher."""
    from api.service import run_service

    cli = state(ctx)
    run_service(cli.runtime, config_path=cli.config_path, host=host or cli.settings.api.host,
                port=port or cli.settings.api.port, demo=False)


def demo_cmd(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """Start the demo forum and video site, crawl them, and serve the UI on 127.0.0.1."""
    from api.service import run_service
    from demo.sites import DemoSiteError

    cli = state(ctx)
    if not cli.settings.sources:
        raise UserError("the config has no sources; `minsheng demo` needs the demo config (demo/config.yaml)")
    try:
        run_service(cli.runtime, config_path=cli.config_path, host="127.0.0.1", port=port, demo=True)
    except DemoSiteError as exc:
        raise UserError(str(exc)) from None


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_cmd)
    app.command("serve")(serve_cmd)
    app.command("demo")(demo_cmd)
    app.add_typer(sources_app, name="sources")
    app.add_typer(crawls_app, name="crawls")
