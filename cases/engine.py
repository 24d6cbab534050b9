"""The case engine: turns a tagged batch into cases, evidence and alerts.

``ingest()`` calls ``CaseEngine.process`` inside the transaction that stored the
posts and their tags, so cases and outbox alerts commit atomically with them.

Every read a batch needs is made up front for all its posts at once (which posts
are already evidence or queued, the candidate cases and their evidence, the
authors' recent posts), placement then runs in memory with no flush, the batch's
rows go to the store in one flush, and the rules read their windows once for the
batch. A batch costs a few dozen statements whatever its size.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cases.config import MatchConfig, RuleConfig, SlaConfig, WebhookConfig, parse_window
from cases.early_warning import RuleRunner, Touch
from cases.evidence import EventLog, attach, attached_posts, queue_for_location, queued_posts, recount_all
from cases.lifecycle import reopen
from cases.matching import EvidenceFeatures, place_spans
from cases.naming import CaseIds, case_title, problem_phrase
from cases.outbox import AlertBatch, case_payload
from cases.pool import CandidatePool
from cases.reposts import AuthorPosts
from cases.rules import priority_from_urgency
from cases.simhash import features, simhash, to_hex
from cases.sla import due_for
from index.models import Case, Post, PostTag

log = logging.getLogger(__name__)

RoutingFn = Callable[[PostTag], "str | None"]


@dataclass
class CaseReport:
    """What one batch did (case ids and post ids)."""

    opened: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    alerts: list[int] = field(default_factory=list)  # every alert the batch raised, new_case included
    queued: list[int] = field(default_factory=list)  # posts put in the needs-location queue
    duplicates: list[int] = field(default_factory=list)  # attached with counted=False
    already_attached: list[int] = field(default_factory=list)  # edits of posts already evidence
    hotline_linked: list[str] = field(default_factory=list)
    rule_seconds: float = 0.0


@dataclass
class _Batch:
    """The reads made once for a batch, kept current as its posts are placed."""

    pool: CandidatePool
    authors: AuthorPosts
    ids: CaseIds
    alerts: AlertBatch  # the new cases' alerts, written once the batch's cases are flushed
    report: CaseReport
    now: datetime
    events: EventLog = field(default_factory=EventLog)


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
        self.rules = RuleRunner(rules, match, self.webhooks, self.push_max_age)
        self.evidence = EvidenceFeatures()

    def _needs_location(self, tag: PostTag) -> bool:
        return not tag.place_id or (tag.place or {}).get("type") in self.match.coarse_place_types

    def process(self, session: Session, posts: list[tuple[Post, PostTag]], *, now: datetime) -> CaseReport:
        """Place every complaint of the batch in time order; then run the rules once for the batch.

        Call it inside the transaction that wrote the batch's posts: case numbers are
        read under that writer's lock (see ``CaseIds``).
        """
        report = CaseReport()
        ordered = sorted(((p, t) for p, t in posts if t is not None and t.is_complaint),
                         key=lambda pair: (pair[0].published_at, pair[0].id))
        if not ordered:
            return report
        attached = attached_posts(session, [post.id for post, _ in ordered])
        waiting = [pair for pair in ordered if self._needs_location(pair[1])]
        queued = queued_posts(session, [post.id for post, _ in waiting])
        placed = [pair for pair in ordered if not self._needs_location(pair[1]) and pair[0].id not in attached]
        pool = CandidatePool(session, self.match, self.evidence)
        authors = AuthorPosts(session, timedelta(days=self.match.open_window_days), pool.status_of)
        pool.load([(post.published_at, tag) for post, tag in placed])
        authors.load([post for post, _ in placed])
        batch = _Batch(pool, authors, CaseIds(session, self.tz), AlertBatch(self.webhooks), report, now)
        touched: dict[str, Touch] = {}
        complaints: list[tuple[Post, PostTag]] = []
        # Everything the loop reads was read above or is tracked in memory; flushing
        # before each statement would only cost a unit-of-work pass per alert.
        with session.no_autoflush:
            for post, tag in ordered:
                if post.id in attached:
                    report.already_attached.append(post.id)
                    continue
                if self._needs_location(tag):
                    if queue_for_location(session, post, tag, now=now, already_queued=post.id in queued) is not None:
                        log.info("post %s waits for a location", post.id,
                                 extra={"post_id": post.id, "source": post.source_id})
                        queued.add(post.id)
                        report.queued.append(post.id)
                        complaints.append((post, tag))
                    continue
                # Only posts new to the engine feed the author and district counts: an
                # edit of a post already counted must not count again.
                complaints.append((post, tag))
                attached.add(post.id)
                case, opened = self._place(session, post, tag, batch)
                # A duty officer traces a post to its case by the post id in the log.
                log.log(logging.INFO if opened else logging.DEBUG, "post %s %s case %s", post.id,
                        "opened" if opened else "joined", case.id,
                        extra={"post_id": post.id, "case_id": case.id, "source": post.source_id})
                touch = touched.setdefault(case.id, Touch(case, post.published_at, opened))
                touch.event_time = max(touch.event_time, post.published_at)
                touch.opened = touch.opened or opened
        session.flush()
        report.alerts += [alert.id for alert in batch.alerts.write(session)]
        batch.events.write(session)
        recount_all(session, [touch.case for touch in touched.values()])
        started = time.perf_counter()
        with session.no_autoflush:  # the rules read only what the flush above wrote
            alerts = self.rules.evaluate(session, list(touched.values()), complaints, now, batch.events)
        report.rule_seconds = time.perf_counter() - started
        report.alerts += [alert.id for alert in alerts]
        session.flush()
        batch.events.write(session)
        return report

    def _place(self, session: Session, post: Post, tag: PostTag, batch: _Batch) -> tuple[Case, bool]:
        now, report = batch.now, batch.report
        spans = place_spans(tag.locations, tag.place)
        weights = features(tag.tokens or "", f"{post.title} {post.text}", exclude=spans)
        signature = to_hex(simhash(weights)) if weights else None
        push = post.published_at >= now - self.push_max_age
        original = batch.authors.original(post, signature, threshold=self.match.near_duplicate_similarity,
                                          place_id=tag.place_id)
        opened = False
        if original is not None:
            # The author's repost joins the case of the original and is not counted again.
            case = batch.pool.cases.get(original.case_id) or session.get(Case, original.case_id)
            attach(session, case, post, signature=signature, counted=False, now=now, events=batch.events)
            batch.pool.attached(case, weights, post.published_at, counted=False)
            report.duplicates.append(post.id)
        else:
            result = batch.pool.find(tag, weights, post.published_at)
            if result.case is None:
                case, opened = self._open(session, post, tag, signature, spans, batch, push), True
                report.opened.append(case.id)
                batch.pool.opened(case, weights, post.published_at)
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
                batch.pool.attached(case, weights, post.published_at, counted=True)
            attach(session, case, post, signature=signature, counted=True, now=now, events=batch.events)
            batch.authors.counted(post, case, signature)
        case.first_seen = min(case.first_seen, post.published_at)
        case.last_seen, case.updated_at = max(case.last_seen, post.published_at), now
        self._link_hotline(session, case, post, opened, batch)
        return case, opened

    def _open(self, session: Session, post: Post, tag: PostTag, signature: str | None, spans: list[str],
              batch: _Batch, push: bool) -> Case:
        now = batch.now
        place = dict(tag.place or {})
        priority = priority_from_urgency(tag.urgency)
        department = self.routing_department(tag) if self.routing_department else None
        problem = problem_phrase(post.title or "", post.text or "", spans, tag.level3 or tag.level2,
                                 tokens=tag.tokens or "")
        case = Case(
            id=batch.ids.next(now), title=case_title(place.get("name"), problem)[:200], level1=tag.level1,
            level2=tag.level2, level3=tag.level3, place_id=tag.place_id, place=place, district=tag.district,
            street=tag.street, community=tag.community, lat=tag.lat, lon=tag.lon,
            department=department or tag.department, urgency=tag.urgency or "normal", priority=priority,
            status="new", post_count=1, counted_posts=1, author_count=1, source_count=1,
            first_seen=post.published_at, last_seen=post.published_at, created_at=now, updated_at=now,
            due_at=due_for(self.sla, "new", tag.level1, priority, now), signature=signature, backfilled=not push,
            flags={"opened_by": "hotline" if batch.authors.is_hotline(post) else "monitor"})
        session.add(case)
        batch.events.add(case, "created", actor="system", now=now, to_status="new",
                         data={"post_id": post.id, "source_id": post.source_id, "backfilled": not push})
        batch.alerts.add(type="new_case", key=f"new_case:{case.id}", level="info", title=f"新工单：{case.title}",
                         case_id=case.id, source_id=post.source_id, now=now, event_time=post.published_at,
                         backfilled=not push, push=push,
                         payload={**case_payload(case), "post": {"id": post.id, "url": post.url}})
        return case

    def _link_hotline(self, session: Session, case: Case, post: Post, opened: bool, batch: _Batch) -> None:
        """A hotline order about a case the monitor found first marks it 已主动发现."""
        if opened or case.hotline_linked_at is not None or not batch.authors.is_hotline(post):
            return
        if (case.flags or {}).get("opened_by") == "hotline" or case.first_seen >= post.published_at:
            return
        case.hotline_linked_at = post.published_at
        case.flags = {**(case.flags or {}), "proactive": True, "proactive_label": "已主动发现"}
        batch.events.add(case, "hotline_linked", actor="system", now=batch.now,
                         data={"post_id": post.id, "lead_seconds": (post.published_at - case.first_seen).total_seconds()})
        batch.report.hotline_linked.append(case.id)

