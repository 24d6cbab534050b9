"""Upsert by (source, external id): new, edited and unchanged posts, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from crawlers.items import RawPost
from index.models import Post, PostTag
from index.normalise import normalise_post
from index.store import Store
from index.upsert import save_tags, upsert_posts
from nlp.schema import Category, ResolvedPlace, Tags

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=timezone.utc)


def raw(ext: str, text: str, likes: int = 0) -> RawPost:
    return normalise_post(RawPost(source_id="jx", external_id=ext, kind="thread", title="标题",
                                  text=text, published_at=NOW, likes=likes, author_id="u1"))


def tags_for(place: str | None) -> Tags:
    resolved = ResolvedPlace(id=place, name=place, type="road", district="南湖区", lat=30.7, lon=120.7) if place else None
    return Tags(is_complaint=True, complaint_score=0.9, appeal_type="complaint",
                category=Category(level1="城乡建设", level2="城市建设和市政管理", level3="市政设施", score=0.8),
                department="综合行政执法局", place=resolved, urgency="high", tagger="test", tokens="路灯 坏 了")


def test_new_edited_unchanged_and_counters(store_url: str) -> None:
    store = Store(store_url)
    with store.session() as session:
        store.ensure_source(session, "jx", "discuz", now=NOW)
        first = upsert_posts(session, [raw("1", "路灯坏了"), raw("2", "路面塌陷")], now=NOW)
        for post, _ in first.changed:
            save_tags(session, post, tags_for("road-1"), now=NOW)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    with store.session() as session:
        again = upsert_posts(session, [raw("1", "路灯坏了", likes=5), raw("2", "路面塌陷了，很危险")], now=NOW)
        assert (again.new, again.updated, again.unchanged) == (0, 1, 1)
        assert [p.external_id for p, _ in again.changed] == ["2"]
        save_tags(session, again.changed[0][0], tags_for(None), now=NOW)
    with store.session() as session:
        assert session.scalar(select(func.count(Post.id))) == 2
        post1 = session.scalar(select(Post).where(Post.external_id == "1"))
        post2 = session.scalar(select(Post).where(Post.external_id == "2"))
        assert post1.likes == 5 and post1.edited_at is None  # a like is not an edit
        assert post2.edited_at == NOW and post2.text == "路面塌陷了，很危险"
        tag2 = session.get(PostTag, post2.id)
        assert tag2.place_id is None and tag2.level2 == "城市建设和市政管理"
        assert session.get(PostTag, post1.id).district == "南湖区"
    store.close()
