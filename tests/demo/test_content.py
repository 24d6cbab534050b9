"""DemoWriter: deterministic, place-aware residents' text; real sentences recombined, never copied."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from demo.content import DemoWriter, read_demo_places


def sample(writer: DemoWriter, n: int = 200) -> list:
    return [writer.thread() for _ in range(n)]


def test_same_seed_same_text_other_seed_other_text(small_gazetteer):
    first = [(t.title, t.text, t.author) for t in sample(DemoWriter(small_gazetteer, None, seed=4), 30)]
    again = [(t.title, t.text, t.author) for t in sample(DemoWriter(small_gazetteer, None, seed=4), 30)]
    other = [(t.title, t.text, t.author) for t in sample(DemoWriter(small_gazetteer, None, seed=5), 30)]
    assert first == again and first != other


def test_threads_mix_kinds_and_name_gazetteer_places(small_gazetteer):
    names = {p.name for p in read_demo_places(small_gazetteer)}
    threads = sample(DemoWriter(small_gazetteer, None, seed=1))
    kinds = Counter(t.kind for t in threads)
    assert set(kinds) == {"complaint", "chatter", "ad", "praise"} and kinds["complaint"] > len(threads) / 2
    for thread in threads:
        assert thread.title and thread.text and thread.author and thread.place is not None
        if thread.kind == "complaint":
            assert thread.place.name in thread.title + thread.text and thread.place.name in names
            assert thread.topic


def test_topics_fit_their_places(small_gazetteer):
    writer = DemoWriter(small_gazetteer, None, seed=2)
    for _ in range(100):
        post = writer.complaint()
        if post.topic in ("电梯", "物业", "违建"):
            assert post.place.type in ("compound", "community")


def test_replies_comments_and_video_titles(small_gazetteer):
    writer = DemoWriter(small_gazetteer, None, seed=3)
    thread = writer.complaint(topic="积水")
    replies = [writer.reply(thread) for _ in range(30)]
    assert any(r.text in ("+1", "同问") for r in replies) and all(r.text for r in replies)
    for _ in range(50):
        title = writer.video_title()
        comment = writer.comment(title.title)
        assert title.title and 5 <= len(comment.text) <= 80


def test_real_sentences_are_recombined_not_copied(small_gazetteer, shared_dir):
    writer = DemoWriter(small_gazetteer, shared_dir, seed=6)
    assert writer.corpus is not None and writer.corpus.message_count > 1000
    messages = [json.loads(line)["text"] for line in
                (shared_dir / "data" / "wenzheng" / "messages.jsonl").read_text(encoding="utf-8").splitlines() if line]
    texts = [writer.complaint().text for _ in range(200)]
    import random

    picked = writer.corpus.sentences("噪音", random.Random(0), 2, "南湖区")
    assert len(picked) == 2 and all("{district}" not in s for s in picked)
    assert all(any(s in m for m in messages) or "南湖区" in s for s in picked)  # real sentences
    reused = sum(1 for t in texts if any(s.rstrip("。") in t for pool in writer.corpus.by_topic.values()
                                         for _, s in pool[:300] if "{district}" not in s))
    assert reused > 0, "no real sentence was recombined"
    whole = set(messages)
    assert not any(t in whole for t in texts)
    assert not any("A市" in t or "A3区" in t for t in texts)  # anonymised places were swapped


def test_bad_gazetteers_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="demo gazetteer not found"):
        DemoWriter(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,中山路\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        DemoWriter(bad)
    cities = tmp_path / "cities.csv"
    cities.write_text("id,name,type,parent_id\n1,嘉兴市,city,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no roads"):
        DemoWriter(cities)


def test_the_shipped_demo_gazetteer_works():
    from demo.forum.serve import DEFAULT_GAZETTEER

    if not DEFAULT_GAZETTEER.is_file():
        pytest.skip("demo/data/gazetteer.csv not shipped yet")
    writer = DemoWriter(DEFAULT_GAZETTEER, None, seed=0)
    assert {p.district for p in writer.places} >= {"南湖区", "秀洲区"}
    assert writer.thread().title
