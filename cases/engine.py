"""The case engine: turns a tagged batch into cases, evidence and alerts.

``ingest()`` calls ``CaseEngine.process`` inside the transaction that stored the
posts and their tags, so cases and outbox alerts commit atomically with them.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cases.config import MatchConfig, RuleConfig, SlaConfig, WebhookConfig, parse_window
from cases.early_warning import RuleRunner, Touch
from cases.evidence import attach, author_duplicate, is_attached, queue_for_location, record, recount
from cases.lifecycle import reopen
from cases.matching import CaseMatcher, place_spans
from cases.naming import case_title, insert_case, problem_phrase
from cases.outbox import case_payload, raise_alert
from cases.rules import priority_from_urgency
from cases.simhash import features, simhash, to_hex
from cases.sla import due_for
from index.models import Case, Post, PostTag, Source

RoutingFn = Callable[[PostTag], "str | None"]


@dataclass
class CaseReport:
    """What one batch did (case ids and post ids)."""

    opened: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    alerts: list[int] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)  # posts put in the needs-location queue
    duplicates: list[int] = field(default_factory=list)  # attached with counted=False
    already_attached: list[int] = field(default_factory=list)  # edits of posts already evidence
    hotline_linked: list[str] = field(default_factory=list)
    rule_seconds: float = 0.0


class CaseEngine:
    """Matching, case creation, reopening and the early-warning rules."""

    def __init__(self, rules: list[RuleConfig], match: MatchConfig, sla: SlaConfig,
                 routing_department: RoutingFn | None = None,
                 webhooks: list[WebhookConfig] | None = None) -> None:
        self.match, self.sla = match, sla
        self.webhooks = list(webhooks or [])
        self.routing_department = routing_department
        self.tz = ZoneInfo(match.timezone)
        self.push_max_age = parse_window(match.backfill_push_max_age)
        self.matcher = CaseMatcher(match)
        self.rules = RuleRunner(rules, match, self.webhooks, self.push_max_age)

    def process(self, session: Session, posts: list[tuple[Post, PostTag]], *, now: datetime) -> CaseReport:
        """Place every complaint of the batch; then run the rules once for the batch."""
        report = CaseReport()
        touched: dict[str, Touch] = {}
        complaints: list[tuple[Post, PostTag]] = []
        for post, tag in sorted(posts, key=lambda pair: (pair[0].published_at, pair[0].id)):
            if tag is None or not tag.is_complaint:
                continue
            if is_attached(session, post.id):
                report.already_attached.append(post.id)
                continue
            if not tag.place_id or (tag.place or {}).get("type") in self.match.coarse_place_types:
                if queue_for_location(session, post, tag, now=now) is not None:
                    report.queued.append(post.id)
                    complaints.append((post, tag))
                continue
            # Only posts new to the engine feed the author and district counts: an
            # edit of a post already counted must not count again.
            complaints.append((post, tag))
            case, opened = self._place(session, post, tag, now, report)
            touch = touched.setdefault(case.id, Touch(case, post.published_at, opened))
            touch.event_time = max(touch.event_time, post.published_at)
            touch.opened = touch.opened or opened
        session.flush()
        for touch in touched.values():
            recount(session, touch.case)
        started = time.perf_counter()
        alerts = self.rules.evaluate(session, list(touched.values()), complaints, now)
        report.rule_seconds = time.perf_counter() - started
        report.alerts += [alert.id for alert in alerts]
        session.flush()
        return report

    def _place(self, session: Session, post: Post, tag: PostTag, now: datetime,
               report: CaseReport) -> tuple[Case, bool]:
        spans = place_spans(tag.locations, tag.place)
        weights = features(tag.tokens or "", f"{post.title} {post.text}", exclude=spans)
        signature = to_hex(simhash(weights)) if weights else None
        push = post.published_at >= now - self.push_max_age
        window = timedelta(days=self.match.open_window_days)
        original = author_duplicate(session, post, signature, threshold=self.match.near_duplicate_similarity,
                                    window=window, place_id=tag.place_id)
        opened = False
        if original is not None:
            # The author's repost joins the case of the original and is not counted again.
            case = session.get(Case, original.case_id)
            attach(session, case, post, signature=signature, counted=False, now=now)
            report.duplicates.append(post.id)
        else:
            result = self.matcher.find(session, tag, weights, post.published_at)
            if result.case is None:
                case, opened = self._open(session, post, tag, signature, spans, now, push), True
                report.opened.append(case.id)
            else:
                case = result.case
                if result.reopen:
                    alert = reopen(session, case, actor="system", now=now, sla=self.sla, webhooks=self.webhooks,
                                   reason="新的诉求出现在近期办结工单的点位", event_time=post.published_at,
                                   push=push, post_id=post.id)
                    report.reopened.append(case.id)
                    if alert is not None:
                        report.alerts.append(alert.id)
                elif case.id not in report.opened and case.id not in report.joined:
                    report.joined.append(case.id)
            attach(session, case, post, signature=signature, counted=True, now=now)
        case.first_seen = min(case.first_seen, post.published_at)
        case.last_seen, case.updated_at = max(case.last_seen, post.published_at), now
        self._link_hotline(session, case, post, opened, now, report)
        return case, opened

    def _open(self, session: Session, post: Post, tag: PostTag, signature: str | None, spans: list[str],
              now: datetime, push: bool) -> Case:
        place = dict(tag.place or {})
        priority = priority_from_urgency(tag.urgency)
        department = self.routing_department(tag) if self.routing_department else None
        problem = problem_phrase(post.title or "", post.text or "", spans, tag.level3 or tag.level2)
        case = Case(
            title=case_title(place.get("name"), problem)[:200], level1=tag.level1, level2=tag.level2,
            level3=tag.level3, place_id=tag.place_id, place=place, district=tag.district, street=tag.street,
            community=tag.community, lat=tag.lat, lon=tag.lon, department=department or tag.department,
            urgency=tag.urgency or "normal", priority=priority, status="new", post_count=1, counted_posts=1,
            author_count=1, source_count=1, first_seen=post.published_at, last_seen=post.published_at,
            created_at=now, updated_at=now, due_at=due_for(self.sla, "new", tag.level1, priority, now),
            signature=signature, backfilled=not push,
            flags={"opened_by": "hotline" if self._is_hotline(session, post) else "monitor"})
        insert_case(session, case, now=now, tz=self.tz)
        record(session, case, "created", actor="system", now=now, to_status="new",
               data={"post_id": post.id, "source_id": post.source_id, "backfilled": not push})
        raise_alert(session, type="new_case", key=f"new_case:{case.id}", level="info",
                    title=f"新工单：{case.title}", case_id=case.id, source_id=post.source_id, now=now,
                    event_time=post.published_at, webhooks=self.webhooks, backfilled=not push, push=push,
                    payload={**case_payload(case), "post": {"id": post.id, "url": post.url}})
        return case

    @staticmethod
    def _is_hotline(session: Session, post: Post) -> bool:
        if post.kind == "order":
            return True
        source = session.get(Source, post.source_id)
        return source is not None and source.kind == "hotline"

    def _link_hotline(self, session: Session, case: Case, post: Post, opened: bool, now: datetime,
                      report: CaseReport) -> None:
        """A hotline order about a case the monitor found first marks it 已主动发现."""
        if opened or case.hotline_linked_at is not None or not self._is_hotline(session, post):
            return
        if (case.flags or {}).get("opened_by") == "hotline" or case.first_seen >= post.published_at:
            return
        case.hotline_linked_at = post.published_at
        case.flags = {**(case.flags or {}), "proactive": True, "proactive_label": "已主动发现"}
        record(session, case, "hotline_linked", actor="system", now=now,
               data={"post_id": post.id, "lead_seconds": (post.published_at - case.first_seen).total_seconds()})
        report.hotline_linked.append(case.id)
