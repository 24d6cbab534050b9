"""Case identity: ``MS-YYYYMMDD-NNNN`` ids and short titles (place · problem)."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.simhash import STOPWORDS
from index.models import Case

_CLAUSE = re.compile(r"[，,。.!！?？;；:：\s、~～…]+")
# Openers that name the act of complaining rather than the problem.
_OPENERS = re.compile(r"^(关于|反映|投诉|举报|咨询|请问|求助|建议|紧急|急|再次|强烈)+")
_BRACKETS = re.compile(r"[【\[（(].*?[】\])）]")
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
# Words that complain about the problem without naming it.
_FILLERS = frozenset("到底 有没有 有没 人管 没人管 管管 谁管 怎么办 咋办 怎么回事 为什么 为啥 能不能 是不是 可不可以"
                     " 这种 这样 那样 这么 那么 好多 好几天 几天 三天 半天 一天 天 又 还 都 再 快 赶紧 麻烦 拜托 求求"
                     " 受不了 不了 死 呛 吵死 上 有关".split())


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


class CaseIds:
    """Hands out the next ``MS-YYYYMMDD-NNNN`` ids within one transaction.

    The day's last number is read once and then counted up in memory; no savepoint
    per case. That is safe because the number is read under the writer's lock: the
    engine runs inside the transaction that already wrote the batch's posts (SQLite
    allows one writer at a time), and on PostgreSQL a transaction-scoped advisory
    lock per day serialises writers until commit. Beyond 9999 cases a day the number
    simply grows a digit.
    """

    def __init__(self, session: Session, tz: ZoneInfo) -> None:
        self.session, self.tz = session, tz
        self._last: dict[str, int] = {}

    def next(self, now: datetime) -> str:
        prefix = _prefix(now, self.tz)
        if prefix not in self._last:
            if self.session.get_bind().dialect.name == "postgresql":
                lock = int(hashlib.sha1(prefix.encode()).hexdigest()[:15], 16)
                self.session.execute(select(func.pg_advisory_xact_lock(lock)))
            self._last[prefix] = _last_number(self.session, prefix)
        self._last[prefix] += 1
        return f"{prefix}{self._last[prefix]:04d}"


def _cleaned(raw: str, places: list[str]) -> str:
    """The first clause of ``raw`` with brackets, place names and openers cut out."""
    raw = _BRACKETS.sub("", raw)
    for place in sorted(places, key=len, reverse=True):
        if place:
            raw = raw.replace(place, "")
    for clause in _CLAUSE.split(raw):
        clause = _OPENERS.sub("", clause.strip()).strip("的在有")
        if len(clause) >= 2:
            return clause[:14]
    return ""


def _content(word: str, places: list[str]) -> bool:
    return not (word in STOPWORDS or word in _FILLERS or _OPENERS.fullmatch(word) or word.isdigit()
                or any(word in place for place in places if place))


def token_phrase(tokens: str, places: list[str], limit: int = 12) -> str:
    """The problem words of a segmented text: a run of consecutive content words.

    Function words, fillers ("到底有没有人管"), complaint openers and the place's own
    words break runs; the first run of three characters or more wins (a two-character
    run is often an addressee such as "@城管"), else the first of two. Cut at a word
    boundary to ``limit`` characters. "这个路口的玻璃碴到底有没有人管啊" → "玻璃碴".
    """
    runs: list[list[str]] = [[]]
    previous = ""
    for word in tokens.split():
        # "@城管": a mention names who should act, not what is wrong.
        if _PUNCT.match(word) or previous == "@" or not _content(word, places):
            runs.append([])
        else:
            runs[-1].append(word)
        previous = word
    for shortest in (3, 2):
        for run in runs:
            if len("".join(run)) >= shortest:
                phrase = ""
                for word in run:
                    if phrase and len(phrase) + len(word) > limit:
                        break
                    phrase += word
                return phrase[:limit]
    return ""


def problem_phrase(title: str, text: str, places: list[str], category: str | None, tokens: str = "") -> str:
    """A few words naming the problem, place names cut out: from the post's title when
    it has one, else the problem words of its segmented text (a comment has no title),
    else the category leaf, else the text's first clause."""
    return (_cleaned(title, places) or token_phrase(tokens, places) or category or _cleaned(text, places)
            or "市民诉求")


def case_title(place_name: str | None, problem: str) -> str:
    """"南溪路与双溪路交叉口 · 路面玻璃碴"."""
    return f"{place_name} · {problem}" if place_name else problem
