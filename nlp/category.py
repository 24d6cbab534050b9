"""Category classification: the ``CategoryModel`` seam and its lexicon implementation.

The lexicon model scores first-level categories by keyword hits (from
``nlp/data/category_keywords.yaml`` plus the second/third-level names themselves),
then picks the best second level inside the chosen first level, then the best
leaf. A transformers model trained on hand labels can later implement the same
protocol and replace or back up this one.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Protocol, runtime_checkable

from nlp.datafiles import read_yaml
from nlp.phrases import PhraseSet
from nlp.schema import Category
from nlp.taxonomy import OTHER, Taxonomy, TaxonomyError

KEYWORDS = Path(__file__).resolve().parent / "data" / "category_keywords.yaml"
DECISIVE = Path(__file__).resolve().parent / "data" / "decisive_terms.yaml"
NAME_BONUS = 0.5  # a category's own name is more telling than a generic keyword
TITLE_WEIGHT = 2.0  # the title is the resident's own one-line summary
MAX_REPEATS = 3  # a word said five times is not five times the evidence


@runtime_checkable
class CategoryModel(Protocol):
    """Anything that maps a post to a three-level category of the taxonomy."""

    name: str

    def classify(self, title: str, text: str) -> Category:
        """The best category; ``score`` is a 0..1 confidence (0 = nothing to go on)."""
        ...


def _weight(word: str) -> float:
    # Longer words are more specific: 拖欠工资 tells more than 工资.
    return 1.0 + 0.25 * max(0, len(word) - 2)


class LexiconCategoryModel:
    """Keyword scoring over the taxonomy, level by level."""

    name = "lexicon"

    def __init__(self, taxonomy: Taxonomy, keywords: dict | None = None,
                 source: str = str(KEYWORDS), decisive: dict | None = None) -> None:
        self.taxonomy = taxonomy
        keywords = keywords if keywords is not None else load_keywords(KEYWORDS)
        self._decisive = decisive_terms(taxonomy, decisive if decisive is not None
                                        else load_keywords(DECISIVE), str(DECISIVE))
        self._decisive_phrases = PhraseSet(self._decisive)
        # word → [(level, level1, level2, level3, weight)]
        targets: dict[str, list[tuple[int, str, str, str, float]]] = defaultdict(list)
        for l1, l2, l3 in taxonomy.paths():
            if l3 != OTHER and len(l3) >= 2:
                targets[l3].append((3, l1, l2, l3, _weight(l3) + NAME_BONUS))
        for l1 in taxonomy.level1():
            for l2 in taxonomy.level2(l1):
                if l2 != OTHER:
                    targets[l2].append((2, l1, l2, "", _weight(l2) + NAME_BONUS))
        for l1, spec in keywords.items():
            if l1 not in taxonomy.tree:
                raise TaxonomyError(f"{source}: unknown first-level category {l1!r}")
            spec = spec or {}
            for word in spec.get("keywords", []):
                targets[str(word)].append((1, l1, "", "", _weight(str(word))))
            for l2, words in (spec.get("level2") or {}).items():
                if l2 not in taxonomy.tree[l1]:
                    raise TaxonomyError(f"{source}: unknown category {l1}/{l2}")
                for word in words:
                    targets[str(word)].append((2, l1, l2, "", _weight(str(word))))
            for path, words in (spec.get("level3") or {}).items():
                l2, _, l3 = str(path).partition("/")
                if l3 not in taxonomy.tree[l1].get(l2, []):
                    raise TaxonomyError(f"{source}: unknown category {l1}/{path}")
                for word in words:
                    targets[str(word)].append((3, l1, l2, l3, _weight(str(word))))
        self._targets = dict(targets)
        self._phrases = PhraseSet(w for w in self._targets if len(w) >= 2)

    def _evidence(self, title: str, text: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for source, factor in ((title, TITLE_WEIGHT), (text, 1.0)):
            seen: Counter[str] = Counter()
            for word in self._phrases.findall(source):
                if seen[word] < MAX_REPEATS:
                    seen[word] += 1
                    counts[word] += factor
        return counts

    def _scores(self, title: str, text: str) -> tuple[Counter, Counter, Counter]:
        """Keyword evidence summed per level1, per (level1, level2) and per leaf."""
        s1: Counter[str] = Counter()
        s2: Counter[tuple[str, str]] = Counter()
        s3: Counter[tuple[str, str, str]] = Counter()
        for word, count in self._evidence(title, text).items():
            for level, l1, l2, l3, weight in self._targets[word]:
                score = weight * count
                s1[l1] += score
                if level >= 2:
                    s2[(l1, l2)] += score
                if level == 3:
                    s3[(l1, l2, l3)] += score
        return s1, s2, s3

    def _leaf(self, level1: str, s2: Counter, s3: Counter) -> tuple[str, str, str]:
        l2_scores = {l2: s for (l1, l2), s in s2.items() if l1 == level1}
        best2 = max(l2_scores, key=lambda k: l2_scores[k]) if l2_scores else None
        l3_scores = {l3: s for (l1, l2, l3), s in s3.items() if l1 == level1 and l2 == best2}
        l1, l2, l3 = self.taxonomy.fallback(level1, best2)
        if l3_scores:
            l3 = max(l3_scores, key=lambda k: l3_scores[k])
        return l1, l2, l3

    def decisive(self, title: str, text: str) -> Category | None:
        """The category a decisive term settles (most hits wins), or None."""
        hits = Counter(self._decisive[w] for w in self._decisive_phrases.findall(f"{title}\n{text}"))
        if not hits:
            return None
        l1, l2, l3 = hits.most_common(1)[0][0]
        return Category(level1=l1, level2=l2, level3=l3, score=1.0)

    def classify(self, title: str, text: str) -> Category:
        settled = self.decisive(title, text)
        if settled is not None:
            return settled
        s1, s2, s3 = self._scores(title, text)
        if not s1:
            return Category(**dict(zip(("level1", "level2", "level3"), self.taxonomy.fallback())), score=0.0)
        ranked = s1.most_common()
        best1, top = ranked[0]
        l1, l2, l3 = self._leaf(best1, s2, s3)
        # Share of the evidence the winner holds, damped when there is little of it.
        confidence = top / (sum(s for _, s in ranked) + 1.0)
        return Category(level1=l1, level2=l2, level3=l3, score=round(min(1.0, confidence), 4))

    def leaf_within(self, title: str, text: str, level1: str) -> tuple[str, str, str]:
        """The best-supported level2/level3 under a level1 another model chose.

        When a classifier overrules the keywords on level1, the keywords of that
        category still tell its finer leaf better than the tree's catch-all.
        """
        _, s2, s3 = self._scores(title, text)
        return self._leaf(level1, s2, s3)


def decisive_terms(taxonomy: Taxonomy, spec: dict, source: str) -> dict[str, tuple[str, str, str]]:
    """term → leaf, from a {"l1/l2/l3": [terms]} mapping checked against the tree."""
    terms: dict[str, tuple[str, str, str]] = {}
    for path, words in spec.items():
        l1, l2, l3 = (str(path).split("/") + ["", "", ""])[:3]
        if l3 not in taxonomy.tree.get(l1, {}).get(l2, []):
            raise TaxonomyError(f"{source}: unknown category {path}")
        for word in words or []:
            terms[str(word)] = (l1, l2, l3)
    return terms


def load_keywords(path: Path) -> dict:
    """Read a category keyword YAML; one-line errors name the file."""
    data = read_yaml(path, "category keyword file") or {}
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping of first-level categories")
    return data
