"""The place-evaluation sets in nlp/data/eval, and which of them the place tagger learns from.

Each set is a gazetteer of about 100 places of one real city (``<stem>_gazetteer.csv``)
and 200–240 posts written against it (``<stem>_places.jsonl``) by a helper who had
not read the extractor: posts about its places, about roads, junctions, compounds and
addresses it lacks, and posts with no place. Sets marked ``trained`` teach the learned
tagger (nlp.training.place_fit) and were read to tune the rules; the others are
holdouts, never trained on and never read, so their figures are the honest ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent / "data" / "eval"


@dataclass(frozen=True)
class PlaceSet:
    stem: str
    jurisdiction: str
    note: str
    trained: bool
    # Outside-gazetteer mentions found and gazetteer mentions resolved (%) on the set's first
    # run, before anything was tuned on it: the only figures no tuning has seen.
    first_run: tuple[float, float | None]


PLACE_SETS = (
    PlaceSet("jinan", "济南市", "holdout from round five (经X纬Y grid, 宿舍/家属院 compounds)", False, (53.6, 96.0)),
    PlaceSet("fuzhou", "福州市", "holdout from round five (坊/巷 lanes, …兜/…亭 areas, 817北路)", False, (49.2, 98.7)),
    PlaceSet("harbin", "哈尔滨市", "holdout from round five (街/大街, numbered 道街)", False, (59.4, 100.0)),
    PlaceSet("nanning", "南宁市", "holdout from round five (立交 junctions, 城中村)", False, (54.4, 99.3)),
    PlaceSet("nanchang", "南昌市", "written blind in round five (街办, 大院); trained on from round five", True,
             (52.2, 98.6)),
    PlaceSet("shijiazhuang", "石家庄市", "written blind in round five (大街/路 grid, 交口); trained on from round five",
             True, (61.3, 98.8)),
    PlaceSet("zhengzhou", "郑州市", "holdout in round four, measured, never read; trained on from round five", True,
             (39.1, 99.0)),
    PlaceSet("qingdao", "青岛市", "holdout in round four, measured, never read; trained on from round five", True,
             (55.6, 98.9)),
    PlaceSet("kunming", "昆明市", "holdout in round four, measured, never read; trained on from round five", True,
             (44.9, 100.0)),
    PlaceSet("xiamen", "厦门市", "holdout in round four, measured, never read; trained on from round five", True,
             (38.5, 100.0)),
    PlaceSet("hangzhou", "杭州市", "written blind this round; first run with the rules alone", True, (65.3, 99.1)),
    PlaceSet("shenyang", "沈阳市", "written blind this round (经街/纬路/马路 grid); first run with the rules alone",
             True, (41.7, 99.0)),
    PlaceSet("changsha", "长沙市", "written blind this round (…岭, …冲, …塘 places); first run with the rules alone",
             True, (41.8, 100.0)),
    PlaceSet("shenzhen", "深圳市", "written blind this round (urban villages, grid roads); first run with the rules "
             "alone", True, (44.4, 100.0)),
    PlaceSet("suzhou", "苏州市", "written blind in round two; never read, trained on from round three", True,
             (85.7, 100.0)),
    PlaceSet("nanjing", "南京市", "written blind after round two's fixes; read and trained on from round three", True,
             (79.2, 95.1)),
    PlaceSet("chongqing", "重庆市", "written blind after round two's fixes; read and trained on from round three", True,
             (71.3, 98.8)),
    PlaceSet("wuxi", "无锡市", "its misses led to roads named with everyday nouns", True, (74.5, 98.2)),
    PlaceSet("xian", "西安市", "十字 crossings, 家属院", True, (50.5, 98.9)),
    PlaceSet("wuhan", "武汉市", "", True, (67.3, 97.8)),
    PlaceSet("beijing", "北京市", "胡同, XX里, compounds without suffix", True, (57.9, 98.8)),
    PlaceSet("guangzhou", "广州市", "", True, (69.1, 100.0)),
    PlaceSet("chengdu", "成都市", "roads in 段, compounds without suffix", True, (65.7, 98.9)),
    PlaceSet("tianjin", "天津市", "roads in 道, compounds in 里, 交口", True, (45.3, 97.4)),
    PlaceSet("hefei", "合肥市", "its misses led to the context-gated compounds", True, (78.0, 97.8)),
    PlaceSet("ningbo", "宁波市", "its misses led to the junction, road-prefix and gate fixes", True, (76.7, 99.5)),
    PlaceSet("shaoxing", "绍兴市", "the first set", True, (80.9, None)),
)


def training_sets() -> list[PlaceSet]:
    return [s for s in PLACE_SETS if s.trained]


def holdout_sets() -> list[PlaceSet]:
    return [s for s in PLACE_SETS if not s.trained]
