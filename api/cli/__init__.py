"""The `minsheng` command line. Each module adds one group of commands."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from api.cli import admin, bench, casework, ops, posts, tagging
from api.cli.context import CliState, UserError
from api.settings import ConfigError, locate_config

app = typer.Typer(help="民声 minsheng: online public-opinion monitor (未诉先办).",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", help="YAML config file (default: $MINSHENG_CONFIG, ./minsheng.yaml, else the demo config).")] = None,
) -> None:
    ctx.obj = CliState(config_path=locate_config(config))
    ctx.call_on_close(ctx.obj.close)


for module in (posts, ops, casework, tagging, admin, bench):
    module.register(app)


def main() -> None:
    """Entry point: operator errors become one line on stderr and exit status 2."""
    try:
        # Without standalone mode click hands back typer.Exit's code instead of exiting.
        code = app(standalone_mode=False)
    except (ConfigError, UserError) as exc:
        print(f"minsheng: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as exc:
        print(f"minsheng: error: file not found: {exc.filename}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:  # click's usage errors, a broken model directory
        import click

        from nlp.model import ModelError

        # Newer typer vendors click: its usage errors derive from typer.TyperException, not click's.
        if isinstance(exc, (click.ClickException, getattr(typer, "TyperException", click.ClickException))):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, ModelError):
            print(f"minsheng: error: {exc}", file=sys.stderr)
            sys.exit(2)
        raise
    sys.exit(code if isinstance(code, int) else 0)
