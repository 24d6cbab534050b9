"""`minsheng cases …` and `minsheng alerts …`: the case board and the alert feed from a terminal."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Optional

import typer
from sqlalchemy import select

from api.cli.context import UserError, state
from index.export import row_dict
from index.models import Alert, Case

cases_app = typer.Typer(help="Proactive cases (主动发现工单).", no_args_is_help=True)
alerts_app = typer.Typer(help="The alert feed (预警).", no_args_is_help=True)


def _print(row: dict, as_json: bool, line: str) -> None:
    print(json.dumps(row, ensure_ascii=False, default=str) if as_json else line)


@cases_app.command("list")
def cases_list(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option("--status", help="new, dispatched, in_progress, resolved, closed, …")] = None,
    department: Annotated[Optional[str], typer.Option("--department")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cases, newest activity first."""
    query = select(Case).order_by(Case.last_seen.desc()).limit(limit)
    if status:
        query = query.where(Case.status == status)
    if department:
        query = query.where(Case.department == department)
    with state(ctx).runtime.store.session() as session:
        for case in session.scalars(query):
            _print(row_dict(case), as_json,
                   f"{case.id} [{case.status}] {case.priority:<6} {case.title} "
                   f"({case.counted_posts} 帖/{case.author_count} 人, {case.department or '-'})")


@cases_app.command("show")
def cases_show(ctx: typer.Context, case_id: str) -> None:
    """One case with its evidence posts and history, as JSON."""
    from cases.lifecycle import CaseNotFound, get_case

    with state(ctx).runtime.store.session() as session:
        try:
            case = get_case(session, case_id)
        except CaseNotFound:
            raise UserError(f"no case {case_id!r}") from None
        data = row_dict(case)
        data["evidence"] = [row_dict(e) for e in case.evidence]
        data["history"] = [row_dict(e) for e in case.events]
    print(json.dumps(data, ensure_ascii=False, default=str, indent=2))


@cases_app.command("transition")
def cases_transition(
    ctx: typer.Context,
    case_id: str,
    action: Annotated[str, typer.Argument(help="dispatch | accept | resolve | close | reopen | reject")],
    reason: Annotated[Optional[str], typer.Option("--reason")] = None,
    department: Annotated[Optional[str], typer.Option("--department")] = None,
    assignee: Annotated[Optional[str], typer.Option("--assignee")] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who is acting (recorded in the history)")] = "cli",
) -> None:
    """Move a case through its lifecycle; an invalid move is refused."""
    from cases.lifecycle import CaseNotFound, InvalidTransition, transition

    runtime = state(ctx).runtime
    try:
        with runtime.store.session() as session:
            case = transition(session, case_id, action, actor=actor, now=datetime.now(timezone.utc),
                              sla=runtime.settings.sla, webhooks=runtime.settings.webhooks, reason=reason,
                              department=department, assignee=assignee)
            result = {"case": case.id, "status": case.status}
    except CaseNotFound:
        raise UserError(f"no case {case_id!r}") from None
    except (InvalidTransition, ValueError) as exc:
        raise UserError(str(exc)) from None
    print(json.dumps(result, ensure_ascii=False))


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    after: Annotated[int, typer.Option("--after", help="Only alerts with a larger id (the feed cursor)")] = 0,
    type_: Annotated[Optional[str], typer.Option("--type")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Alerts in feed order (oldest first after the cursor)."""
    query = select(Alert).where(Alert.id > after).order_by(Alert.id).limit(limit)
    if type_:
        query = query.where(Alert.type == type_)
    with state(ctx).runtime.store.session() as session:
        for alert in session.scalars(query):
            _print(row_dict(alert), as_json,
                   f"#{alert.id} {alert.created_at:%Y-%m-%d %H:%M} {alert.type:<12} {alert.case_id or '-'} {alert.title}")


def register(app: typer.Typer) -> None:
    from api.reports import report_command

    app.add_typer(cases_app, name="cases")
    app.add_typer(alerts_app, name="alerts")
    app.command("report")(report_command)
