"""Category, complaint/appeal type and urgency on hand-written posts."""
from __future__ import annotations

import pytest

from nlp.appeal import LexiconComplaintModel
from nlp.blend import BlendedCategoryModel, BlendedComplaintModel
from nlp.category import CategoryModel, LexiconCategoryModel
from nlp.model import Prediction
from nlp.taxonomy import Taxonomy, TaxonomyError
from nlp.urgency import UrgencyRules


@pytest.fixture(scope="module")
def categories() -> LexiconCategoryModel:
    return LexiconCategoryModel(Taxonomy.load())


@pytest.fixture(scope="module")
def appeals() -> LexiconComplaintModel:
    return LexiconComplaintModel(0.5)


@pytest.mark.parametrize("text, path", [
    ("楼下烧烤店每天半夜噪音扰民，吵得睡不着", ("环境保护", "环境污染", "噪音污染")),
    ("公司拖欠工资三个月了，老板不接电话", ("劳动和社会保障", "工资福利", "工资发放")),
    ("小区物业不作为，物业费照收，电梯坏了一个月没人修", ("城乡建设", "住房保障与房地产", "物业服务")),
    ("出租车司机拒载还绕路", ("交通运输", "出租车管理", None)),
    ("孩子上小学的学位不够，入学太难", ("教育文体", "考试招生", None)),
    ("邻居在楼顶违章搭建了一间房", ("城乡建设", "城乡规划", "违章建筑")),
])
def test_categories(categories: LexiconCategoryModel, text: str, path: tuple) -> None:
    result = categories.classify("", text)
    assert (result.level1, result.level2) == path[:2]
    if path[2]:
        assert result.level3 == path[2]
    assert 0 < result.score <= 1
    assert isinstance(categories, CategoryModel)


def test_no_evidence_means_zero_score(categories: LexiconCategoryModel) -> None:
    assert categories.classify("", "今天天气不错").score == 0


@pytest.mark.parametrize("text, kind", [
    ("楼下饭店油烟太大，多次反映没人管，请有关部门尽快处理", "complaint"),
    ("救命，我被困在电梯里了，求助", "help"),
    ("举报河边有工厂晚上偷排污水", "report"),
    ("建议在中山路增设一个公交站，方便居民出行", "suggestion"),
    ("请问公积金提取需要什么材料？", "consultation"),
    ("感谢城管及时处理了积水问题，点赞！", "none"),
    ("加微信领取优惠，代办房产证，需要的联系", "none"),
    ("哈哈哈笑死我了，这个视频太搞笑了", "none"),
])
def test_appeal_types(appeals: LexiconComplaintModel, text: str, kind: str) -> None:
    result = appeals.assess("", text)
    assert result.type == kind
    assert result.is_complaint == (kind in ("complaint", "help", "report"))


def test_ad_borrowing_complaint_words_is_not_a_complaint(appeals: LexiconComplaintModel) -> None:
    assert not appeals.assess("", "家里漏水？专业防水补漏，加微信，优惠价上门").is_complaint


@pytest.mark.parametrize("text, kind, level", [
    ("闻到很重的煤气味，怀疑燃气泄漏", "complaint", "high"),
    ("路口一大片玻璃碴，车辆纷纷避让", "complaint", "high"),
    ("几十个农民工聚集在工地门口讨薪", "complaint", "high"),
    ("一只小猫卡在下水道里出不来", "help", "high"),
    ("小区路灯不亮好几天了", "complaint", "normal"),
    ("建议增加公交班次", "suggestion", "low"),
    ("请问社保怎么转移", "consultation", "low"),
])
def test_urgency(text: str, kind: str, level: str) -> None:
    assert UrgencyRules().assess(text, kind) == level


class _SurePolice:
    """A classifier that files everything under 政法 with high confidence."""

    name = "sure-police"

    def predict_post(self, title: str, text: str) -> Prediction:
        return Prediction({"level1": {"政法": 0.9, "城乡建设": 0.1}})


def test_a_decisive_term_settles_the_category_over_a_confident_model(categories: LexiconCategoryModel) -> None:
    taxonomy = Taxonomy.load()
    blend = BlendedCategoryModel(_SurePolice(), categories, taxonomy, weight=0.25)  # type: ignore[arg-type]
    settled = blend.classify("", "路口一地碎玻璃，车辆纷纷绕行")
    assert (settled.level1, settled.level2, settled.level3) == ("城乡建设", "城市建设和市政管理", "环境卫生")
    assert categories.decisive("", "煤气泄漏了") is not None and categories.decisive("", "路口车辆乱停") is None
    assert blend.classify("", "路口车辆乱停，交警不管").level1 == "政法"  # no decisive term: the model's call
    with pytest.raises(TaxonomyError, match="unknown category 城乡建设/火星"):
        LexiconCategoryModel(taxonomy, decisive={"城乡建设/火星/环境卫生": ["碎玻璃"]})


class _SureChatter:
    """A classifier sure that every post is chatter."""

    name = "sure-chatter"

    def predict_post(self, title: str, text: str) -> Prediction:
        return Prediction({"complaint": {"no": 0.95, "yes": 0.05}, "appeal": {"none": 0.9, "report": 0.1}})


def test_a_reported_hazard_is_a_complaint_whatever_the_model_says(appeals: LexiconComplaintModel) -> None:
    blend = BlendedComplaintModel(_SureChatter(), appeals)  # type: ignore[arg-type]
    assert blend.assess("", "楼道里有煤气味，快来人看看").is_complaint
    assert appeals.assess("", "燃气泄漏了").is_complaint and appeals.assess("", "燃气泄漏了").type == "report"
    assert not blend.assess("", "今天天气不错，出去走走").is_complaint
    # An ad borrowing the words is no report.
    assert not appeals.reports_hazard("", "燃气泄漏检测，上门服务，加微信")
