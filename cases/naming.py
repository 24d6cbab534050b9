"""Case identity: ``MS-YYYYMMDD-NNNN`` ids and short titles (place · problem)."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from index.models import Case

_CLAUSE = re.compile(r"[，,。.!！?？;；:：\s、~～…]+")
# Openers that name the act of complaining rather than the problem.
_OPENERS = re.compile(r"^(关于|反映|投诉|举报|咨询|请问|求助|建议|紧急|急|再次|强烈)+")
_BRACKETS = re.compile(r"[【\[（(].*?[】\])）]")


def _prefix(now: datetime, tz: ZoneInfo) -> str:
    return f"MS-{now.astimezone(tz):%Y%m%d}-"


def _last_number(session: Session, prefix: str) -> int:
    column = Case.id
    if session.get_bind().dialect.name == "postgresql":
        # Locale collations ignore punctuation; a byte-order range needs "C".
        column = Case.id.collate("C")
    newest = session.scalar(
        select(Case.id).where(column >= prefix, column < prefix[:-1] + ".")
        .order_by(func.length(Case.id).desc(), Case.id.desc()).limit(1))
    return int(newest[len(prefix):]) if newest else 0


def insert_case(session: Session, case: Case, *, now: datetime, tz: ZoneInfo, attempts: int = 50) -> Case:
    """Give ``case`` the next id of its Asia/Shanghai creation day and flush it.

    The number comes from the database inside the caller's transaction; a concurrent
    writer that took the same number makes the insert fail in a savepoint, and the
    next number is tried. Beyond 9999 cases a day the number simply grows a digit.
    """
    prefix = _prefix(now, tz)
    number = _last_number(session, prefix)
    for _ in range(attempts):
        number += 1
        case.id = f"{prefix}{number:04d}"
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            return case
        except IntegrityError:
            # Rolling back the savepoint normally expunges the pending row already.
            if case in session:
                session.expunge(case)
            number = max(number, _last_number(session, prefix))
    raise RuntimeError(f"could not allocate a case id for {prefix}* after {attempts} attempts")


def problem_phrase(title: str, text: str, places: list[str], category: str | None) -> str:
    """A few words naming the problem: from the post's title when it has one, else the
    category leaf, else the text's first clause; place names are cut out."""
    def cleaned(raw: str) -> str:
        raw = _BRACKETS.sub("", raw)
        for place in sorted(places, key=len, reverse=True):
            if place:
                raw = raw.replace(place, "")
        for clause in _CLAUSE.split(raw):
            clause = _OPENERS.sub("", clause.strip()).strip("的在有")
            if len(clause) >= 2:
                return clause[:14]
        return ""
    return cleaned(title) or category or cleaned(text) or "市民诉求"


def case_title(place_name: str | None, problem: str) -> str:
    """"南溪路与双溪路交叉口 · 路面玻璃碴"."""
    return f"{place_name} · {problem}" if place_name else problem
