"""Resolution: context, jurisdiction, agreement between mentions, junctions."""
from __future__ import annotations

from nlp.gazetteer import Gazetteer
from nlp.locations import LocationExtractor
from nlp.resolve import Mention, resolve_place


def test_same_name_in_two_districts_area_wins(gazetteer: Gazetteer, extractor: LocationExtractor) -> None:
    mentions = extractor.extract("新华社区垃圾没人清理")
    assert resolve_place(mentions, gazetteer, area="柯桥区").place.id == "kq-xh"
    assert resolve_place(mentions, gazetteer, area="越城区").place.id == "yc-xh"


def test_other_mentions_disambiguate(gazetteer: Gazetteer, extractor: LocationExtractor) -> None:
    mentions = extractor.extract("柯桥街道解放路上路灯不亮")
    result = resolve_place(mentions, gazetteer)
    assert result.locations[1].resolved.id == "kq-jf"
    assert result.place.id == "kq-jf"  # the road is more specific than the street


def test_jurisdiction_breaks_ties(gazetteer: Gazetteer) -> None:
    both = [Mention("解放路", 0, 3, "road", [("yc-jf", 1.0), ("kq-jf", 1.0)])]
    assert resolve_place(both, gazetteer, jurisdiction="柯桥区").place.id == "kq-jf"
    assert resolve_place(both, gazetteer, jurisdiction="越城区").place.id == "yc-jf"


def test_unresolved_mentions_are_returned(gazetteer: Gazetteer, extractor: LocationExtractor) -> None:
    result = resolve_place(extractor.extract("青云路上有坑"), gazetteer)
    assert [(l.text, l.type, l.resolved) for l in result.locations] == [("青云路", "road", None)]
    assert result.place is None


def test_area_places_post_without_mentions(gazetteer: Gazetteer) -> None:
    context = [Mention("塔山街道", 0, 4, "street", [("yc-tc", 1.0)])]
    assert resolve_place([], gazetteer, area=context).place.name == "塔山街道"


def test_synthesized_junction(gazetteer: Gazetteer, extractor: LocationExtractor) -> None:
    place = resolve_place(extractor.extract("环山路与胜利路交叉口有积水"), gazetteer).place
    assert place.type == "intersection" and place.id == "junction:yc-hs+yc-sq"
    assert place.name == "环山路与胜利路交叉口"
    assert place.street == "塔山街道"  # both roads are in 塔山街道
    assert 29.99 <= place.lat <= 29.9980 and 120.57 <= place.lon <= 120.5810


def test_junction_with_entry_resolves_to_it(gazetteer: Gazetteer, extractor: LocationExtractor) -> None:
    place = resolve_place(extractor.extract("胜利西路与解放北路交叉口堵车"), gazetteer).place
    assert place.id == "yc-jf-sq"


def test_more_agreeing_mentions_win(gazetteer: Gazetteer) -> None:
    # 新华社区 exists under two streets; the post names one district and the other's street and district.
    mentions = [Mention("柯桥区", 0, 3, "district", [("kq", 1.0)]),
                Mention("柯桥街道", 3, 7, "street", [("kq-kq", 1.0)]),
                Mention("新华社区", 8, 12, "community", [("yc-xh", 1.0), ("kq-xh", 1.0)]),
                Mention("越城区", 15, 18, "district", [("yc", 1.0)])]
    assert resolve_place(mentions, gazetteer).locations[2].resolved.id == "kq-xh"
