"""The tagger's tools: bootstrap a gazetteer; train and evaluate the models."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from api.cli.context import UserError

gazetteer_app = typer.Typer(help="The gazetteer (places the tagger resolves to).", no_args_is_help=True)


@gazetteer_app.command("build")
def gazetteer_build(
    counties: Annotated[list[str], typer.Argument(help="Counties or districts, e.g. 南湖区 秀洲区")],
    city: Annotated[Optional[str], typer.Option("--city", help="The city or province, when a name is ambiguous")] = None,
    source: Annotated[Optional[Path], typer.Option("--source", help="china_location.txt/.zip (default: the one jionlp ships)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="CSV to write (default: stdout)")] = None,
) -> None:
    """Write the administrative levels (city, district, streets/towns, communities/villages) as gazetteer CSV."""
    from nlp.gazetteer_build import (DivisionDataError, find_county, gazetteer_rows, jionlp_division_file,
                                     parse_counties, read_division_lines, write_gazetteer)

    try:
        path = source or jionlp_division_file()
        if not path.is_file():
            raise DivisionDataError(f"{path}: file not found")
        every = list(parse_counties(read_division_lines(path)))
        chosen = [find_county(every, name, city) for name in counties]
    except DivisionDataError as exc:
        raise UserError(str(exc)) from None
    rows = gazetteer_rows(chosen)
    if out is None:
        write_gazetteer(rows, sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        write_gazetteer(rows, handle)
    print(f"wrote {len(rows)} places to {out}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.add_typer(gazetteer_app, name="gazetteer")
