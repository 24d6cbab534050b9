"""Daily complaint counts for the spike rule: read a day at a time, bumped by each batch."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from cases.spikes import DailyCounts
from tests.cases.conftest import COMPOUND, CROSSING, NOISE, NOW, SANITATION

TZ = ZoneInfo("Asia/Shanghai")
KEY = ("城市建设和市政管理", "南湖区")


def test_days_are_read_whole_then_bumped_then_reread(store, make_post):
    today = NOW.astimezone(TZ).date()
    with store.session() as session:
        for day in range(3):
            for n in range(day + 1):
                make_post(session, f"垃圾{day}{n}", at=NOW - timedelta(days=day), place=COMPOUND, category=SANITATION)
        make_post(session, "不是投诉", at=NOW, complaint=False, place=COMPOUND, category=SANITATION)
        make_post(session, "施工吵", at=NOW, place=CROSSING, category=NOISE)  # counted under its own category
        counts = DailyCounts(TZ, recount_s=3600)
        assert counts.day(session, "level2", today, NOW)[KEY] == 1
        assert counts.history(session, "level2", KEY, today, 3, NOW) == {
            today - timedelta(days=1): 2, today - timedelta(days=2): 3, today - timedelta(days=3): 0}
        # A batch's posts, already in the store, are added to the cached day…
        make_post(session, "垃圾又来了", at=NOW, place=COMPOUND, category=SANITATION)
        counts.record(session, "level2", today, Counter({KEY: 1}), NOW)
        assert counts.day(session, "level2", today, NOW)[KEY] == 2
        # …and a stale day is read again, which counts them once.
        counts.recount_s = 0.0
        make_post(session, "垃圾还在", at=NOW, place=COMPOUND, category=SANITATION)
        counts.record(session, "level2", today, Counter({KEY: 1}), NOW)
        assert counts.day(session, "level2", today, NOW)[KEY] == 3


def test_a_day_read_while_running_is_read_again_once_it_is_over(store, make_post):
    today = NOW.astimezone(TZ).date()
    with store.session() as session:
        make_post(session, "垃圾", at=NOW, place=COMPOUND, category=SANITATION)
        counts = DailyCounts(TZ, recount_s=3600)
        assert counts.day(session, "level2", today, NOW)[KEY] == 1
        make_post(session, "垃圾晚上", at=NOW + timedelta(hours=3), place=COMPOUND, category=SANITATION)
        assert counts.day(session, "level2", today, NOW + timedelta(hours=1))[KEY] == 1  # cached, day running
        assert counts.day(session, "level2", today, NOW + timedelta(days=1))[KEY] == 2  # day over: whole
