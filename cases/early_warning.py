"""Running the configured rules over one ingest batch and raising their alerts.

The verdicts are the pure functions of ``cases.rules``; this module feeds them the
windowed facts (``cases.windows``) and turns a firing into an alert, a priority
bump or a ledger flag, once per (rule, subject, window).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cases import rules as verdicts
from cases import windows
from cases.config import MatchConfig, RuleConfig, WebhookConfig
from cases.evidence import record
from cases.outbox import case_payload, raise_alert
from index.models import Alert, Case, Post, PostTag

LEVELS = {"warning": "warning", "escalation": "critical", "ledger": "info", "spike": "warning"}
TITLES = {"warning": "预警单", "escalation": "提级办理", "ledger": "台账", "spike": "突增预警"}


@dataclass
class Touch:
    """A case the batch changed, with the newest post time it saw."""

    case: Case
    event_time: datetime
    opened: bool = False


def subject(text: str) -> str:
    """A compact, ASCII subject for alert keys (place ids and authors can be long)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class RuleRunner:
    """Evaluates every enabled rule for the cases, authors and districts of a batch."""

    def __init__(self, rules: list[RuleConfig], match: MatchConfig, webhooks: list[WebhookConfig],
                 push_max_age: timedelta) -> None:
        self.rules = [rule for rule in rules if rule.enabled]
        self.match, self.webhooks, self.push_max_age = match, webhooks, push_max_age
        self.tz = ZoneInfo(match.timezone)
        # Spike baselines per (column, category, district, day): the previous days do not
        # change while today's posts stream in, so each is read once per process.
        self._baselines: dict[tuple[str, str, str, date, int], dict[date, int]] = {}
        # Today's count per (column, category, district, day) with the monotonic time it
        # was read: bumped by each batch, re-read from the store after ``recount_s`` so
        # other writers' posts are picked up. Re-reading every batch would scan the
        # whole day's posts each time.
        self._today: dict[tuple[str, str, str, date], tuple[int, float]] = {}
        self.recount_s = 60.0

    def evaluate(self, session: Session, touched: list[Touch], complaints: list[tuple[Post, PostTag]],
                 now: datetime) -> list[Alert]:
        alerts: list[Alert] = []
        for rule in self.rules:
            kind = rule.resolved_kind()
            if kind == "count":
                alerts += [a for t in touched if (a := self._count(session, rule, t, now))]
            elif kind == "frequent-point":
                alerts += [a for t in touched if t.opened and (a := self._point(session, rule, t, now))]
            elif kind == "frequent-complainant":
                alerts += self._complainants(session, rule, complaints, now)
            elif kind == "spike":
                alerts += self._spikes(session, rule, complaints, now)
        return alerts

    def _raise(self, session: Session, rule: RuleConfig, prefix: str, event_time: datetime, now: datetime,
               *, case: Case | None, title: str, payload: dict, exact_key: str | None = None,
               level: str | None = None) -> Alert | None:
        window = rule.window_delta
        if exact_key is None:
            if verdicts.already_fired(windows.last_fired(session, prefix, event_time, window), event_time, window):
                return None
        alert_type = verdicts.alert_type_for(rule)
        push = event_time >= now - self.push_max_age
        body = {**(case_payload(case) if case else {}), **payload, "rule": rule.model_dump(exclude_none=True)}
        return raise_alert(session, type=alert_type, key=exact_key or windows.window_key(prefix, event_time, window),
                           title=title, level=level or LEVELS[alert_type], case_id=case.id if case else None,
                           rule_id=rule.id, now=now, event_time=event_time, webhooks=self.webhooks,
                           backfilled=not push, push=push, payload=body)

    def _count(self, session: Session, rule: RuleConfig, touch: Touch, now: datetime) -> Alert | None:
        case, end = touch.case, touch.event_time
        start = end - rule.window_delta
        column = f"level{self.match.category_level}"
        category = getattr(case, column)
        if rule.scope == "case" or not case.place_id:
            posts, about = windows.case_posts(session, case.id, start, end), case.id
        elif rule.scope == "point":
            posts, about = windows.point_posts(session, case.place_id, None, start, end), subject(case.place_id)
        elif rule.scope == "category+district":
            if not case.district or category is None:
                return None
            posts = windows.district_posts(session, column, category, case.district, start, end)
            about = subject(f"{case.district}|{category}")
        else:
            posts = windows.point_posts(session, case.place_id, (column, category), start, end)
            about = subject(f"{case.place_id}|{category}")
        verdict = verdicts.count_rule(rule, posts, event_time=end)
        if not verdict.fires:
            return None
        alert_type = verdicts.alert_type_for(rule)
        alert = self._raise(session, rule, f"{alert_type}:{rule.id}:{about}", end, now, case=case,
                            title=f"{TITLES[alert_type]}：{case.title}（{rule.window}内{verdict.count}条，"
                                  f"{verdict.authors}人）",
                            payload={"count": verdict.count, "authors": verdict.authors, "scope": rule.scope,
                                     "window": rule.window, "post_ids": verdict.detail["post_ids"],
                                     "channel": "supervisor" if rule.action == "escalate" else "leaders"})
        if alert is None:
            return None
        data = {"rule": rule.id, "alert_id": alert.id, "count": verdict.count}
        if rule.action == "escalate":
            before, case.priority = case.priority, verdicts.bump_priority(case.priority)
            record(session, case, "escalate", actor="system", now=now, data={**data, "priority": [before, case.priority]})
        else:
            case.flags = {**(case.flags or {}), rule.id: alert.event_time.isoformat()}
            record(session, case, rule.action, actor="system", now=now, data=data)
        return alert

    def _point(self, session: Session, rule: RuleConfig, touch: Touch, now: datetime) -> Alert | None:
        case, end = touch.case, touch.event_time
        if not case.place_id:
            return None
        times = windows.place_case_times(session, case.place_id, end - rule.window_delta, end)
        verdict = verdicts.point_rule(rule, times, event_time=end)
        if not verdict.fires:
            return None
        name = (case.place or {}).get("name") or case.place_id
        alert = self._raise(session, rule, f"{verdicts.alert_type_for(rule)}:{rule.id}:{subject(case.place_id)}", end, now, case=case,
                            title=f"高频点位：{name}（{rule.window}内{verdict.count}件）",
                            payload={"ledger": "points", "place_id": case.place_id, "cases": verdict.count})
        if alert is not None:
            case.flags = {**(case.flags or {}), "frequent_point": alert.event_time.isoformat()}
            record(session, case, "ledger", actor="system", now=now, data={"rule": rule.id, "alert_id": alert.id})
        return alert

    def _complainants(self, session: Session, rule: RuleConfig, complaints: list[tuple[Post, PostTag]],
                      now: datetime) -> list[Alert]:
        latest: dict[tuple[str, str], Post] = {}
        for post, _tag in complaints:
            if post.author_id:
                key = (post.source_id, post.author_id)
                if key not in latest or post.published_at > latest[key].published_at:
                    latest[key] = post
        alerts = []
        for (source_id, author_id), post in latest.items():
            end = post.published_at
            posts = windows.author_posts(session, source_id, author_id, end - rule.window_delta, end)
            verdict = verdicts.complainant_rule(rule, posts, event_time=end)
            if not verdict.fires:
                continue
            detail = verdict.detail
            label = "（疑似职业索赔）" if detail["professional"] else ""
            alert = self._raise(
                session, rule, f"{verdicts.alert_type_for(rule)}:{rule.id}:{subject(f'{source_id}:{author_id}')}", end, now, case=None,
                title=f"高频诉求人：{post.author_name or author_id}（{rule.window}内{verdict.count}条）{label}",
                level="warning" if detail["professional"] else None,
                payload={"ledger": "complainants", "source_id": source_id, "author_id": author_id,
                         "author_name": post.author_name, "posts": verdict.count, **detail,
                         "case_ids": sorted({p.case_id for p in posts if p.case_id})})
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _spikes(self, session: Session, rule: RuleConfig, complaints: list[tuple[Post, PostTag]],
                now: datetime) -> list[Alert]:
        column = f"level{rule.category_level or self.match.category_level}"
        groups: dict[tuple[str, str, date], datetime] = {}
        added: dict[tuple[str, str, date], int] = {}
        for post, tag in complaints:
            category = getattr(tag, column)
            if category and tag.district:
                day = post.published_at.astimezone(self.tz).date()
                key = (category, tag.district, day)
                groups[key] = max(groups.get(key, post.published_at), post.published_at)
                added[key] = added.get(key, 0) + 1
                self._forget_baselines(column, category, tag.district, day, rule.baseline_days)
        alerts = []
        for (category, district, day), end in groups.items():
            today = self._today_count(session, column, category, district, day, added[(category, district, day)])
            verdict = verdicts.spike_rule(rule, day, today, self._baseline(session, rule, column, category,
                                                                           district, day))
            if not verdict.fires:
                continue
            # One spike alert per category, district and local day.
            key = f"{verdicts.alert_type_for(rule)}:{rule.id}:{subject(f'{district}|{category}')}:{day:%Y%m%d}"
            alert = self._raise(
                session, rule, "", end, now, case=None, exact_key=key,
                title=f"突增预警：{district} · {category} 今日{today}条（基线上限{verdict.detail['threshold']}）",
                payload={"category_level": column, "category": category, "district": district,
                         "day": day.isoformat(), "count": today, **verdict.detail})
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _today_count(self, session: Session, column: str, category: str, district: str, day: date,
                     added: int) -> int:
        key = (column, category, district, day)
        cached = self._today.get(key)
        if cached is not None and time.monotonic() - cached[1] < self.recount_s:
            count = cached[0] + added
            self._today[key] = (count, cached[1])
            return count
        if len(self._today) > 20_000:
            self._today.clear()
        count = windows.daily_counts(session, column, category, district, day, day, self.tz)[day]
        self._today[key] = (count, time.monotonic())
        return count

    def _baseline(self, session: Session, rule: RuleConfig, column: str, category: str, district: str,
                  day: date) -> dict[date, int]:
        key = (column, category, district, day, rule.baseline_days)
        if key not in self._baselines:
            if len(self._baselines) > 20_000:
                self._baselines.clear()  # bound memory; entries are cheap to rebuild
            first = day - timedelta(days=rule.baseline_days)
            self._baselines[key] = dict(windows.daily_counts(session, column, category, district, first,
                                                             day - timedelta(days=1), self.tz))
        return self._baselines[key]

    def _forget_baselines(self, column: str, category: str, district: str, day: date, days: int) -> None:
        """A post for ``day`` changes the baselines of the days after it (a backfill)."""
        for offset in range(1, days + 1):
            self._baselines.pop((column, category, district, day + timedelta(days=offset), days), None)
