"""A character vocabulary from real messages, saved as a Hugging Face fast tokenizer.

Chinese text is classified per character here: no word segmentation errors, a small
vocabulary (a few thousand characters) and so a small embedding table. Text is NFKC
normalised (full-width digits and letters become ASCII) and lower-cased; every
non-space character is its own token; rare characters map to [UNK].
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel
from transformers import PreTrainedTokenizerFast

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def normalise(text: str) -> str:
    """The same normalisation the tokenizer applies (for counting characters)."""
    return unicodedata.normalize("NFKC", text).lower()


def count_chars(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(ch for ch in normalise(text) if not ch.isspace())
    return counts


def build_vocab(texts: Iterable[str], min_freq: int = 2, max_size: int | None = None) -> list[str]:
    """Special tokens, then characters seen at least ``min_freq`` times, most frequent first."""
    counts = count_chars(texts)
    chars = [ch for ch, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= min_freq]
    if max_size is not None:
        chars = chars[:max(0, max_size - len(SPECIAL))]
    return [*SPECIAL, *chars]


def make_tokenizer(vocab: list[str], max_length: int) -> PreTrainedTokenizerFast:
    """A fast tokenizer (one token per character) that ``AutoTokenizer`` can reload."""
    missing = [token for token in SPECIAL if token not in vocab]
    if missing:
        raise ValueError(f"vocabulary lacks special tokens {missing}")
    ids = {token: index for index, token in enumerate(vocab)}
    core = Tokenizer(WordLevel(ids, unk_token="[UNK]"))
    core.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    core.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split(Regex("."), behavior="isolated"),
    ])
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core, model_max_length=max_length, pad_token="[PAD]", unk_token="[UNK]",
        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
    )


def save_tokenizer(vocab: list[str], directory: Path, max_length: int) -> PreTrainedTokenizerFast:
    """Write tokenizer.json + tokenizer_config.json (no vocab.txt: it would invite a
    WordPiece tokenizer that splits digits and Latin differently)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = make_tokenizer(vocab, max_length)
    tokenizer.save_pretrained(str(directory))
    return tokenizer
