"""Masking of phone and ID-card numbers: pure functions, no app."""
from __future__ import annotations

import pytest

from api.masking import mask_fields, mask_highlights, mask_text


@pytest.mark.parametrize("raw, masked", [
    ("电话13812345678联系我", "电话138****5678联系我"),
    ("call +86 138-1234-5678 now", "call +86 138-****-5678 now"),
    ("手机 159 8765 4321", "手机 159 **** 4321"),
    ("座机0573-82345678", "座机0573-****5678"),
    ("（0573）8234567", "（0573）***4567"),
    ("身份证330402199001011234", "身份证330402********1234"),
    ("身份证号33040219900101123X。", "身份证号330402********123X。"),
    ("老身份证330402900101123", "老身份证330402******123"),
    ("全角１３８１２３４５６７８", "全角１３８****５６７８"),
])
def test_numbers_are_masked(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


@pytest.mark.parametrize("text", [
    "2025年6月2日上午9点", "价格12345元", "订单号202506021234567890123", "编号MS-20250602-0001",
    "房号3栋1201室", "",
])
def test_ordinary_numbers_stay(text: str) -> None:
    assert mask_text(text) == text


def test_none_stays_none() -> None:
    assert mask_text(None) is None


def test_fields_masked_and_others_kept() -> None:
    data = {"title": "求助13812345678", "text": "ID 330402199001011234", "author_name": "13912345678",
            "likes": 3, "url": "http://x/13812345678"}
    out = mask_fields(data)
    assert out["title"] == "求助138****5678"
    assert out["text"] == "ID 330402********1234"
    assert out["author_name"] == "139****5678"
    assert out["likes"] == 3 and out["url"] == data["url"]
    assert data["title"] == "求助13812345678"  # the input is not changed


def test_highlight_split_number_still_masked() -> None:
    out = mask_highlights({"text": "打<em>138</em>12345678 或 <em>电梯</em>"})
    assert out["text"] == "打<em>138</em>****5678 或 <em>电梯</em>"
