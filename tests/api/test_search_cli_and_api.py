"""`minsheng search … --json` and GET /api/v1/posts/search give the same hits, highlighted.

Everything here is real: the jieba tagger, the tantivy index, the CLI and the app.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_key
from api.runtime import Runtime
from api.settings import load_settings
from crawlers.items import RawPost

START = datetime.now(timezone.utc) - timedelta(days=2)
TEXTS = [
    ("中央城小区电梯又坏了", "中央城小区3号楼电梯困人，楼道里还有积水，物业不管。"),
    ("龙川家园电梯积水", "龙川家园地下车库积水漫进电梯井，电梯停运两天了。"),
    ("王店镇路灯", "王店镇建设路路灯不亮，晚上很黑。"),
    ("新城街道积水", "秀洲区新城街道下雨后积水严重，电梯口全是水。"),
    ("南湖区禾兴路电梯", "禾兴路商场电梯夹人，请市场监管部门查一查。"),
]


def test_cli_and_api_return_the_same_hits(tmp_path: Path, make_config: Callable[..., Path],
                                          run_cli: Callable[..., tuple[int, str, str]]) -> None:
    config = make_config("sources:\n  - {id: forum, kind: hotline}\n")
    runtime = Runtime(load_settings(config))
    runtime.ingest([RawPost(source_id="forum", external_id=f"p{i}", kind="thread", title=title, text=text,
                            published_at=START + timedelta(hours=i), author_id=f"u{i}")
                    for i, (title, text) in enumerate(TEXTS)])
    key = create_key(runtime.store, "tester", "operator")
    runtime.close()

    code, out, err = run_cli("--config", str(config), "search", "电梯 积水", "--district", "南湖区", "--json")
    assert code == 0, err
    cli = json.loads(out)

    runtime = Runtime(load_settings(config))
    with TestClient(create_app(runtime)) as client:
        response = client.get("/api/v1/posts/search", params={"q": "电梯 积水", "district": "南湖区"},
                              headers={"Authorization": f"Bearer {key}"})
    runtime.close()
    assert response.status_code == 200, response.text
    api = response.json()
    cli_ids = [hit["id"] for hit in cli["hits"]]
    assert cli_ids and cli_ids == [hit["id"] for hit in api["hits"]] and cli["total"] == api["total"]
    # Both words, in 南湖区: not the 秀洲区 post, not the ones without 积水.
    assert sorted(hit["doc"]["title"] for hit in cli["hits"]) == sorted([TEXTS[0][0], TEXTS[1][0]])
    for hit in cli["hits"]:
        text = hit["highlights"]["text"]
        assert "<em>电梯</em>" in text and "<em>积水</em>" in text
    assert all("<em>电梯</em>" in json.dumps(hit, ensure_ascii=False) for hit in api["hits"])
