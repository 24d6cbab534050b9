"""Administration: API keys, rebuilding the search index."""
from __future__ import annotations

import json
from typing import Annotated

import typer

from api.cli.context import UserError, progress, state

keys_app = typer.Typer(help="API keys (stored hashed; the secret is shown once).", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="viewer | operator | dispatch | admin")],
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for")] = "",
) -> None:
    """Create a key and print its secret once."""
    from api.auth import KeyRequestError, create_key

    name = name or f"{role}-key"
    try:
        secret = create_key(state(ctx).runtime.store, name, role)
    except KeyRequestError as exc:
        raise UserError(str(exc)) from None
    print(json.dumps({"name": name, "role": role, "key": secret}, ensure_ascii=False))


@keys_app.command("list")
def keys_list(ctx: typer.Context) -> None:
    """Keys by name and role (never their secrets)."""
    from sqlalchemy import select

    from index.models import ApiKey

    with state(ctx).runtime.store.session() as session:
        for key in session.scalars(select(ApiKey).order_by(ApiKey.id)):
            print(json.dumps({"name": key.name, "role": key.role, "prefix": key.prefix,
                              "revoked": key.revoked_at is not None}, ensure_ascii=False))


def reindex_cmd(ctx: typer.Context) -> None:
    """Rebuild the search index from the store."""
    from sqlalchemy import func, select

    from index.models import Post
    from index.reindex import reindex

    runtime = state(ctx).runtime
    with runtime.store.session() as session:
        total = session.scalar(select(func.count(Post.id))) or 0
    with progress(total, "reindex") as advance:
        done = [0]

        def step(count: int) -> None:
            advance(count - done[0])
            done[0] = count
        count = reindex(runtime.store, runtime.search, progress=step)
    print(json.dumps({"reindexed": count}))


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.command("reindex")(reindex_cmd)
