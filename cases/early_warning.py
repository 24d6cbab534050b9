"""Running the configured rules over one ingest batch and raising their alerts.

The verdicts are the pure functions of ``cases.rules``; this module feeds them the
windowed facts (``cases.windows``, ``cases.spikes``) and turns a firing into an
alert, a priority bump or a ledger flag, once per (rule, subject, window).

Facts are read for all the subjects of a batch at once (one statement per rule and
stretch of time), and the alerts that may already exist are looked up in one
statement, so the rules cost the same few queries for one touched case or a hundred.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cases import rules as verdicts
from cases import windows
from cases.config import MatchConfig, RuleConfig, WebhookConfig
from cases.evidence import EventLog
from cases.outbox import AlertBatch, Raised, case_payload
from cases.spikes import DailyCounts
from index.models import Case, Post, PostTag

LEVELS = {"warning": "warning", "escalation": "critical", "ledger": "info", "spike": "warning"}
TITLES = {"warning": "预警单", "escalation": "提级办理", "ledger": "台账", "spike": "突增预警"}


@dataclass
class Touch:
    """A case the batch changed, with the newest post time it saw."""

    case: Case
    event_time: datetime
    opened: bool = False


@dataclass
class Firing:
    """A rule that fires for one subject, before the once-per-window check."""

    rule: RuleConfig
    prefix: str  # alert key without the window bucket
    event_time: datetime
    case: Case | None
    title: str
    payload: dict
    level: str | None = None
    exact_key: str | None = None  # a fixed key instead of window buckets (spikes: one per day)
    after: Callable[[Raised], None] | None = None  # the change the alert stands for


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
        self.counts = DailyCounts(self.tz)

    def evaluate(self, session: Session, touched: list[Touch], complaints: list[tuple[Post, PostTag]],
                 now: datetime, events: EventLog) -> list[Raised]:
        """The alerts the batch's facts call for; their case changes go to ``events``."""
        firings: list[Firing] = []
        spike_columns = {self._spike_column(r) for r in self.rules if r.resolved_kind() == "spike"}
        for column in sorted(spike_columns):
            self._record_days(session, column, complaints, now)
        for rule in self.rules:
            kind = rule.resolved_kind()
            if kind == "count":
                firings += self._count(session, rule, touched, now, events)
            elif kind == "frequent-point":
                firings += self._point(session, rule, [t for t in touched if t.opened and t.case.place_id], now,
                                       events)
            elif kind == "frequent-complainant":
                firings += self._complainants(session, rule, complaints)
            elif kind == "spike":
                firings += self._spikes(session, rule, complaints, now)
        return self._fire(session, firings, now)

    # -- firing ----------------------------------------------------------------------
    def _fire(self, session: Session, firings: list[Firing], now: datetime) -> list[Raised]:
        """Raise the firings not already covered by an alert less than a window away."""
        lookups = [key for f in firings
                   for key in ([f.exact_key] if f.exact_key else windows.neighbour_keys(f.prefix, f.event_time,
                                                                                        f.rule.window_delta))]
        stored = windows.fired_times(session, lookups)
        raised: dict[str, list[datetime]] = {}  # this batch's firings per prefix
        batch = AlertBatch(self.webhooks)
        for f in firings:
            window = f.rule.window_delta
            if f.exact_key is not None:
                if f.exact_key in stored:
                    continue
            else:
                times = [stored[k] for k in windows.neighbour_keys(f.prefix, f.event_time, window) if k in stored]
                times += raised.get(f.prefix, [])
                last = min(times, key=lambda t: abs(t - f.event_time)) if times else None
                if verdicts.already_fired(last, f.event_time, window):
                    continue
            alert_type = verdicts.alert_type_for(f.rule)
            push = f.event_time >= now - self.push_max_age
            body = {**(case_payload(f.case) if f.case else {}), **f.payload,
                    "rule": f.rule.model_dump(exclude_none=True)}
            batch.add(type=alert_type, key=f.exact_key or windows.window_key(f.prefix, f.event_time, window),
                      title=f.title, level=f.level or LEVELS[alert_type], case_id=f.case.id if f.case else None,
                      rule_id=f.rule.id, now=now, event_time=f.event_time, backfilled=not push, push=push,
                      payload=body, then=f.after)
            raised.setdefault(f.prefix, []).append(f.event_time)
        return batch.write(session)

    # -- count rules -----------------------------------------------------------------
    def _count(self, session: Session, rule: RuleConfig, touched: list[Touch], now: datetime,
               events: EventLog) -> list[Firing]:
        column = f"level{self.match.category_level}"
        plan: list[tuple[Touch, str, object, str]] = []  # (touch, read, subject key, alert subject)
        for touch in touched:
            case = touch.case
            category = getattr(case, column)
            if rule.scope == "case" or not case.place_id:
                plan.append((touch, "case", case.id, case.id))
            elif rule.scope == "point":
                plan.append((touch, "point", (case.place_id, None), subject(case.place_id)))
            elif rule.scope == "category+district":
                if case.district and category is not None:
                    plan.append((touch, "district", (category, case.district),
                                 subject(f"{case.district}|{category}")))
            else:
                plan.append((touch, "point", (case.place_id, category), subject(f"{case.place_id}|{category}")))
        firings = []
        window = rule.window_delta
        for group in windows.time_groups(plan, key=lambda item: item[0].event_time, span=window):
            start, end = group[0][0].event_time - window, group[-1][0].event_time
            facts = self._count_facts(session, rule, column, group, start, end)
            for touch, read, key, about in group:
                verdict = verdicts.count_rule(rule, facts.get((read, key), []), event_time=touch.event_time)
                if verdict.fires:
                    firings.append(self._count_firing(rule, touch, about, verdict, now, events))
        return firings

    def _count_facts(self, session: Session, rule: RuleConfig, column: str, group: list, start: datetime,
                     end: datetime) -> dict[tuple[str, object], list]:
        facts: dict[tuple[str, object], list] = {}
        cases = [key for _, read, key, _ in group if read == "case"]
        for key, posts in windows.case_posts(session, cases, start, end).items():
            facts[("case", key)] = posts
        places = [key[0] for _, read, key, _ in group if read == "point"]
        by_category = column if rule.scope == "point+category" else None
        for key, posts in windows.point_posts(session, places, by_category, start, end).items():
            facts[("point", key)] = posts
        districts = [key for _, read, key, _ in group if read == "district"]
        for key, posts in windows.district_posts(session, column, districts, start, end).items():
            facts[("district", key)] = posts
        return facts

    def _count_firing(self, rule: RuleConfig, touch: Touch, about: str, verdict: verdicts.Verdict,
                      now: datetime, events: EventLog) -> Firing:
        case, alert_type = touch.case, verdicts.alert_type_for(rule)

        def after(alert: Raised) -> None:
            data = {"rule": rule.id, "alert_id": alert.id, "count": verdict.count}
            if rule.action == "escalate":
                before, case.priority = case.priority, verdicts.bump_priority(case.priority)
                events.add(case, "escalate", actor="system", now=now,
                           data={**data, "priority": [before, case.priority]})
            else:
                case.flags = {**(case.flags or {}), rule.id: alert.event_time.isoformat()}
                events.add(case, rule.action, actor="system", now=now, data=data)
        return Firing(rule, f"{alert_type}:{rule.id}:{about}", touch.event_time, case,
                      title=f"{TITLES[alert_type]}：{case.title}（{rule.window}内{verdict.count}条，{verdict.authors}人）",
                      payload={"count": verdict.count, "authors": verdict.authors, "scope": rule.scope,
                               "window": rule.window, "post_ids": verdict.detail["post_ids"],
                               "channel": "supervisor" if rule.action == "escalate" else "leaders"},
                      after=after)

    # -- ledgers ---------------------------------------------------------------------
    def _point(self, session: Session, rule: RuleConfig, opened: list[Touch], now: datetime,
               events: EventLog) -> list[Firing]:
        firings, window = [], rule.window_delta
        for group in windows.time_groups(opened, key=lambda t: t.event_time, span=window):
            times = windows.place_case_times(session, [t.case.place_id for t in group],
                                             group[0].event_time - window, group[-1].event_time)
            for touch in group:
                case = touch.case
                verdict = verdicts.point_rule(rule, times.get(case.place_id, []), event_time=touch.event_time)
                if not verdict.fires:
                    continue

                def after(alert: Raised, case: Case = case) -> None:
                    case.flags = {**(case.flags or {}), "frequent_point": alert.event_time.isoformat()}
                    events.add(case, "ledger", actor="system", now=now, data={"rule": rule.id, "alert_id": alert.id})
                name = (case.place or {}).get("name") or case.place_id
                firings.append(Firing(
                    rule, f"{verdicts.alert_type_for(rule)}:{rule.id}:{subject(case.place_id)}", touch.event_time,
                    case, title=f"高频点位：{name}（{rule.window}内{verdict.count}件）",
                    payload={"ledger": "points", "place_id": case.place_id, "cases": verdict.count}, after=after))
        return firings

    def _complainants(self, session: Session, rule: RuleConfig,
                      complaints: list[tuple[Post, PostTag]]) -> list[Firing]:
        latest: dict[tuple[str, str], Post] = {}
        for post, _tag in complaints:
            if post.author_id:
                key = (post.source_id, post.author_id)
                if key not in latest or post.published_at > latest[key].published_at:
                    latest[key] = post
        firings, window = [], rule.window_delta
        for group in windows.time_groups(latest.items(), key=lambda item: item[1].published_at, span=window):
            found = windows.author_posts_many(session, [pair for pair, _ in group],
                                              group[0][1].published_at - window, group[-1][1].published_at)
            for (source_id, author_id), post in group:
                posts = found.get((source_id, author_id), [])
                verdict = verdicts.complainant_rule(rule, posts, event_time=post.published_at)
                if not verdict.fires:
                    continue
                detail = verdict.detail
                label = "（疑似职业索赔）" if detail["professional"] else ""
                firings.append(Firing(
                    rule, f"{verdicts.alert_type_for(rule)}:{rule.id}:{subject(f'{source_id}:{author_id}')}",
                    post.published_at, None,
                    title=f"高频诉求人：{post.author_name or author_id}（{rule.window}内{verdict.count}条）{label}",
                    level="warning" if detail["professional"] else None,
                    payload={"ledger": "complainants", "source_id": source_id, "author_id": author_id,
                             "author_name": post.author_name, "posts": verdict.count, **detail,
                             "case_ids": sorted({p.case_id for p in posts if p.case_id})}))
        return firings

    # -- spikes ----------------------------------------------------------------------
    def _spike_column(self, rule: RuleConfig) -> str:
        return f"level{rule.category_level or self.match.category_level}"

    def _days_of(self, column: str, complaints: list[tuple[Post, PostTag]]) -> dict[date, Counter]:
        days: dict[date, Counter] = {}
        for post, tag in complaints:
            category = getattr(tag, column)
            if category and tag.district:
                days.setdefault(post.published_at.astimezone(self.tz).date(), Counter())[(category, tag.district)] += 1
        return days

    def _record_days(self, session: Session, column: str, complaints: list[tuple[Post, PostTag]],
                     now: datetime) -> None:
        for day, added in self._days_of(column, complaints).items():
            self.counts.record(session, column, day, added, now)

    def _spikes(self, session: Session, rule: RuleConfig, complaints: list[tuple[Post, PostTag]],
                now: datetime) -> list[Firing]:
        column = self._spike_column(rule)
        ends: dict[tuple[str, str, date], datetime] = {}
        for post, tag in complaints:
            category = getattr(tag, column)
            if category and tag.district:
                key = (category, tag.district, post.published_at.astimezone(self.tz).date())
                ends[key] = max(ends.get(key, post.published_at), post.published_at)
        firings = []
        for (category, district, day), end in ends.items():
            today = self.counts.day(session, column, day, now).get((category, district), 0)
            history = self.counts.history(session, column, (category, district), day, rule.baseline_days, now)
            verdict = verdicts.spike_rule(rule, day, today, history)
            if not verdict.fires:
                continue
            # One spike alert per category, district and local day.
            key = f"{verdicts.alert_type_for(rule)}:{rule.id}:{subject(f'{district}|{category}')}:{day:%Y%m%d}"
            firings.append(Firing(
                rule, key, end, None, exact_key=key,
                title=f"突增预警：{district} · {category} 今日{today}条（基线上限{verdict.detail['threshold']}）",
                payload={"category_level": column, "category": category, "district": district,
                         "day": day.isoformat(), "count": today, **verdict.detail}))
        return firings
