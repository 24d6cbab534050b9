"""The whole tagger: acceptance example, context, pipeline config, real messages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.config import NlpConfig
from nlp.schema import TagInput, Tags
from nlp.tagger import VERSION, Tagger

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wenzheng" / "messages.jsonl"


def test_acceptance_glass_at_junction(demo_tagger: Tagger) -> None:
    tags = demo_tagger.tag(TagInput(text="南溪路与双溪路交叉口，一大片玻璃碴散落在路面上，车辆纷纷避让"))
    # A hazard seen on the road is a resident's report (the labelling guide's "report"), or a complaint.
    assert tags.is_complaint and tags.appeal_type in ("report", "complaint")
    assert tags.urgency == "high"
    assert tags.place is not None and tags.place.name == "南溪路与双溪路交叉口"
    assert tags.place.type == "intersection" and tags.place.district == "南湖区"
    assert tags.category.level1 in ("城乡建设", "交通运输")
    assert tags.category.level1 != "城乡建设" or tags.category.level2 == "城市建设和市政管理"
    assert tags.department
    assert "玻璃碴" in tags.tokens.split()


def test_video_title_places_comments(test_tagger: Tagger) -> None:
    post = TagInput(text="新华社区这垃圾堆了一个星期了没人管", context="柯桥区柯桥街道的视频")
    assert test_tagger.tag(post).place.id == "kq-xh"
    assert test_tagger.tag(TagInput(text="这里停水三天了", area="塔山街道")).place.name == "塔山街道"


def test_chatter_and_version(test_tagger: Tagger) -> None:
    tags = test_tagger.tag(TagInput(title="好美", text="哈哈，太美了，打卡"))
    assert not tags.is_complaint and tags.urgency == "low" and tags.place is None
    assert tags.tagger.startswith(f"{test_tagger.mode}-{VERSION}:seg+loc")
    assert [t.appeal_type for t in test_tagger.tag_batch([TagInput(text="请问社保怎么办理？")] * 2)] == [
        "consultation", "consultation"]


def test_pipeline_config_errors(nlp_cache: Path) -> None:
    with pytest.raises(ValueError, match="unknown component 'magic'"):
        Tagger(NlpConfig(pipeline=["segment", "magic"]), None, {}, nlp_cache).initialize()
    with pytest.raises(ValueError, match="'route' needs 'category'"):
        Tagger(NlpConfig(pipeline=["route", "category"]), None, {}, nlp_cache).initialize()


def test_partial_pipeline_still_gives_valid_tags(nlp_cache: Path) -> None:
    tagger = Tagger(NlpConfig(pipeline=["complaint", "urgency"]), None, {}, nlp_cache)
    tagger.initialize()
    tags = tagger.tag(TagInput(text="燃气泄漏了，快来人"))
    assert tags.urgency == "high" and tags.locations == [] and tags.category.score == 0


@pytest.mark.slow
def test_real_messages_are_tagged_sensibly(test_tagger: Tagger) -> None:
    if not SHARED.is_file():
        pytest.skip(f"shared messages not found at {SHARED}")
    rows = [json.loads(line) for line in SHARED.read_text(encoding="utf-8").splitlines()[:800]]
    tags = test_tagger.tag_batch([TagInput(title=r["title"], text=r["text"]) for r in rows])
    assert all(isinstance(t, Tags) for t in tags)
    # Residents' messages to a government board: nearly all are appeals of some kind,
    # nearly all carry category evidence, and few are urgent.
    appeals = sum(t.appeal_type != "none" for t in tags) / len(tags)
    categorized = sum(t.category.score > 0 for t in tags) / len(tags)
    urgent = sum(t.urgency == "high" for t in tags) / len(tags)
    assert appeals > 0.8 and categorized > 0.9 and urgent < 0.2
    # The anonymised districts (A3区) are found as unresolved district mentions.
    assert sum(any(l.type == "district" and l.resolved is None for l in t.locations) for t in tags) > 100
