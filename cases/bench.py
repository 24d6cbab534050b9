"""``bench_cases``: the case engine under a 100 posts/s stream over a large history.

Measures p99 from the ingest call to the alert committed in the outbox and to its
arrival at a local webhook receiver, and the per-batch rule time at two history
sizes (the rules' cost must not grow with history).
"""
from __future__ import annotations

import http.server
import random
import select as io_wait
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from cases.config import DEFAULT_RULES, MatchConfig, RuleConfig, SlaConfig, WebhookConfig
from cases.engine import CaseEngine
from index.models import Alert, Case, Post, PostTag, Source
from index.store import Store

PROBLEMS = ["路面 破损 坑洼", "垃圾 没人 清运", "路灯 不亮", "井盖 松动", "夜间 施工 噪音 扰民", "污水 外溢 臭味",
            "占道 经营 堵路", "违章 停车 堵门", "绿化带 树木 倒伏", "玻璃碴 满地"]
CATEGORIES = [("城乡建设", f"二级{i}", f"三级{i}") for i in range(10)]
PER_DAY = 3000  # history density: a city's complaints a day; N posts span N / PER_DAY days
# The dispatcher runs in its own process, as deployed: the API process sends the
# webhooks while crawl processes ingest. Sharing this process's GIL with the stream
# would measure Python thread scheduling, not the outbox.
_DISPATCHER = """
import sys, threading
sys.path.insert(0, sys.argv[1])
from cases.config import WebhookConfig
from cases.delivery import Dispatcher
from index.store import Store
hook = WebhookConfig(url=sys.argv[3], secret=sys.argv[4])
dispatcher = Dispatcher(Store(sys.argv[2]), [hook], backoff_base_s=0.5, backoff_max_s=5)
print("ready", flush=True)
dispatcher.run_forever(threading.Event(), interval_s=0.05)
"""


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


def _prefill(store: Store, history: int, cases: int, now: datetime, rng: random.Random, places: int) -> None:
    """Bulk-insert ``history`` tagged posts and ``cases`` closed cases before ``now``."""
    span = timedelta(days=max(history / PER_DAY, 1))
    with store.session() as session:
        session.add(Source(id="bench", kind="discuz", name="bench", created_at=now - span))
        session.flush()
        for start in range(0, history, 20_000):
            n = min(20_000, history - start)
            posts, tags = [], []
            for i in range(start, start + n):
                at = now - span + span * (i / history)
                cat = CATEGORIES[i % 10]
                posts.append({"id": i + 1, "source_id": "bench", "external_id": f"h{i}", "kind": "thread", "title": "",
                              "text": PROBLEMS[i % 10], "author_id": f"u{rng.randrange(50_000)}", "published_at": at,
                              "fetched_at": at, "likes": 0, "content_hash": f"{i}", "extra": {}})
                tags.append({"post_id": i + 1, "is_complaint": True, "complaint_score": 0.9, "appeal_type": "complaint",
                             "level1": cat[0], "level2": cat[1], "level3": cat[2], "category_score": 0.9,
                             "locations": [], "place_id": f"p{rng.randrange(places)}", "district": f"区{i % 8}",
                             "urgency": "normal", "tokens": PROBLEMS[i % 10], "tagger": "bench", "tagged_at": at})
            session.execute(insert(Post), posts)
            session.execute(insert(PostTag), tags)
        rows = []
        for i in range(cases):
            at = now - span + span * (i / max(cases, 1))
            cat = CATEGORIES[i % 10]
            rows.append({"id": f"MS-BENCH-{i:07d}", "title": "历史工单", "level1": cat[0], "level2": cat[1],
                         "level3": cat[2], "place_id": f"p{i % places}", "place": {"name": f"点位{i % places}"},
                         "district": f"区{i % 8}", "status": "closed", "first_seen": at, "last_seen": at,
                         "created_at": at, "updated_at": at, "resolved_at": at, "closed_at": at, "flags": {},
                         "urgency": "normal", "priority": "normal", "post_count": 1, "counted_posts": 1,
                         "author_count": 1, "source_count": 1, "backfilled": False})
        for start in range(0, len(rows), 20_000):
            session.execute(insert(Case), rows[start:start + 20_000])


class _Receiver(http.server.ThreadingHTTPServer):
    arrivals: dict[str, float]


def _start_receiver() -> _Receiver:
    class Handler(http.server.BaseHTTPRequestHandler):
        # Keep-alive, as a real receiver would: with HTTP/1.0 every delivery paid for
        # a new connection and a new server thread, and the bench measured that.
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.server.arrivals.setdefault(self.headers.get("Idempotency-Key", ""), time.perf_counter())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass
    server = _Receiver(("127.0.0.1", 0), Handler)
    server.arrivals = {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _start_dispatcher(store: Store, hook: WebhookConfig, timeout_s: float = 60.0) -> subprocess.Popen:
    """Start the dispatcher process and wait until it runs: its start-up (imports, store)
    is not part of an alert's way to the receiver."""
    repo = Path(__file__).resolve().parents[1]
    process = subprocess.Popen([sys.executable, "-c", _DISPATCHER, str(repo), store.url, hook.url, hook.secret],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready, _, _ = io_wait.select([process.stdout], [], [], timeout_s)
    if not ready or process.stdout.readline().strip() != "ready":
        _stop(process)
        raise RuntimeError(f"bench dispatcher did not start within {timeout_s:.0f} s")
    return process


def _stop(process: subprocess.Popen | None) -> None:
    """Stop the dispatcher by its own PID: TERM, then KILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _stream(store: Store, engine: CaseEngine, *, rate: int, duration_s: float, batch_hz: int, now: datetime,
            rng: random.Random, places: int, first_id: int) -> tuple[list[float], list[float], dict[str, float]]:
    """Ingest ``rate`` posts/s in ``batch_hz`` batches a second; returns outbox latencies,
    rule times, and when each alert key was committed."""
    per_batch = max(rate // batch_hz, 1)
    outbox, rule_times, committed = [], [], {}
    next_id, started = first_id, time.perf_counter()
    while time.perf_counter() - started < duration_s:
        tick = time.perf_counter()
        with store.session() as session:
            pairs = []
            for _ in range(per_batch):
                k = rng.randrange(10)
                at = now + timedelta(seconds=time.perf_counter() - started)
                post = Post(id=next_id, source_id="bench", external_id=f"s{next_id}", kind="comment", title="",
                            text=PROBLEMS[k], author_id=f"u{rng.randrange(50_000)}", published_at=at, fetched_at=at,
                            content_hash=str(next_id), extra={})
                tag = PostTag(post_id=next_id, is_complaint=True, complaint_score=0.9, appeal_type="complaint",
                              level1=CATEGORIES[k][0], level2=CATEGORIES[k][1], level3=CATEGORIES[k][2],
                              category_score=0.9, locations=[], place_id=f"p{rng.randrange(places)}",
                              place={"name": "点位"}, district=f"区{k % 8}", urgency="normal", tokens=PROBLEMS[k],
                              tagger="bench", tagged_at=at)
                session.add_all([post, tag])
                pairs.append((post, tag))
                next_id += 1
            session.flush()
            report = engine.process(session, pairs, now=at)
            keys = list(session.scalars(select(Alert.key).where(Alert.id.in_(report.alerts)))) if report.alerts else []
        done = time.perf_counter()
        outbox.append(done - tick)
        rule_times.append(report.rule_seconds)
        committed.update({key: tick for key in keys})
        time.sleep(max(0.0, 1 / batch_hz - (time.perf_counter() - tick)))
    return outbox, rule_times, committed


def bench_cases(workdir: Path, *, histories: tuple[int, ...] = (100_000, 1_000_000), cases: int = 50_000,
                rate: int = 100, duration_s: float = 120.0, batch_hz: int = 10, places: int = 20_000,
                seed: int = 7) -> dict[str, Any]:
    """Run the stream once per history size (SQLite under ``workdir``); returns the figures."""
    results: dict[str, Any] = {"rate_per_s": rate, "duration_s": duration_s, "runs": []}
    for history in histories:
        rng = random.Random(seed)
        now = datetime.now(timezone.utc)
        store = Store(f"sqlite:///{workdir / f'bench-{history}.db'}")
        receiver = _start_receiver()
        dispatcher = None
        try:
            _prefill(store, history, min(cases, history), now, rng, places)
            hook = WebhookConfig(url=f"http://127.0.0.1:{receiver.server_address[1]}/hook", secret="bench")
            engine = CaseEngine([RuleConfig(**r) for r in DEFAULT_RULES], MatchConfig(), SlaConfig(), webhooks=[hook])
            dispatcher = _start_dispatcher(store, hook)
            outbox, rules, committed = _stream(store, engine, rate=rate, duration_s=duration_s, batch_hz=batch_hz,
                                               now=now, rng=rng, places=places, first_id=history + 1)
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline and not set(committed) <= set(receiver.arrivals):
                time.sleep(0.05)
            webhook = [receiver.arrivals[k] - t for k, t in committed.items() if k in receiver.arrivals]
            results["runs"].append({
                "history_posts": history, "batches": len(outbox), "alerts": len(committed),
                "p99_ingest_to_outbox_s": _percentile(outbox, 0.99),
                "p99_ingest_to_webhook_s": _percentile(webhook, 0.99),
                "undelivered": len(set(committed) - set(receiver.arrivals)),
                "median_rule_s": _percentile(rules, 0.5), "p99_rule_s": _percentile(rules, 0.99)})
        finally:
            _stop(dispatcher)
            receiver.shutdown()
            receiver.server_close()
            store.close()
    runs = results["runs"]
    if len(runs) >= 2 and runs[0]["median_rule_s"]:
        results["rule_time_ratio"] = round(runs[-1]["median_rule_s"] / runs[0]["median_rule_s"], 3)
    return results
