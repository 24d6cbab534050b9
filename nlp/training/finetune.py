"""Fine-tuning the grouped heads (level1, complaint, level2, appeal) on hand labels.

All heads share one encoder and one output layer (see ``nlp.model``); the loss is a
weighted sum of per-head cross-entropies over each head's slice of the logits. Thin
classes get larger weights (inverse square root of their count) because the target
is macro-F1, where a 9-example class counts as much as a 600-example one.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import get_args

import torch
from transformers import BertForMaskedLM, BertForSequenceClassification

from nlp.model import head_labels
from nlp.schema import AppealType
from nlp.taxonomy import Taxonomy
from nlp.training.corpus import CorpusError, Example
from nlp.training.pretrain import ModelShape, linear_schedule

HEAD_WEIGHTS = {"level1": 1.0, "complaint": 1.0, "level2": 0.5, "appeal": 0.5}


def head_values(taxonomy: Taxonomy, heads: Sequence[str]) -> dict[str, list[str]]:
    """The output values of each head, from the taxonomy (so unseen classes still exist)."""
    values: dict[str, list[str]] = {}
    for head in heads:
        if head == "level1":
            values[head] = taxonomy.level1()
        elif head == "level2":
            values[head] = [f"{l1}/{l2}" for l1 in taxonomy.level1() for l2 in taxonomy.level2(l1)]
        elif head == "complaint":
            values[head] = ["no", "yes"]
        elif head == "appeal":
            values[head] = list(get_args(AppealType))
        else:
            raise ValueError(f"unknown head {head!r} (known: {', '.join(HEAD_WEIGHTS)})")
    return values


def example_value(example: Example, head: str) -> str | None:
    """The gold value of ``head`` for a labelled example; None when it has no such label."""
    labels = example.labels
    needs = {"level1": "level1", "level2": "level2", "complaint": "is_complaint"}.get(head, "appeal_type")
    if labels.get(needs) is None or (head == "level2" and labels.get("level1") is None):
        return None  # e.g. a chatter example: no category to learn from it
    if head == "level1":
        return str(labels["level1"])
    if head == "level2":
        return f"{labels['level1']}/{labels['level2']}"
    if head == "complaint":
        return "yes" if labels["is_complaint"] else "no"
    return str(labels["appeal_type"])


# Target of a head an example has no label for; cross_entropy skips it.
IGNORE = -100


class HeadLoss:
    """Per-head slices of the output layer and their class-weighted cross-entropy."""

    def __init__(self, heads: dict[str, list[str]], examples: Sequence[Example]) -> None:
        self.slices: dict[str, slice] = {}
        self.targets: dict[str, torch.Tensor] = {}
        self.weights: dict[str, torch.Tensor] = {}
        offset = 0
        for head, values in heads.items():
            self.slices[head] = slice(offset, offset + len(values))
            offset += len(values)
            index = {value: i for i, value in enumerate(values)}
            gold = []
            for example in examples:
                value = example_value(example, head)
                if value is None:
                    gold.append(IGNORE)
                    continue
                if value not in index:
                    raise CorpusError(f"label {example.key}: {head} {value!r} is not in the category tree")
                gold.append(index[value])
            self.targets[head] = torch.tensor(gold, dtype=torch.long)
            counts = Counter(g for g in gold if g != IGNORE)
            weight = torch.tensor([counts.get(i, 0) ** -0.5 if counts.get(i) else 0.0
                                   for i in range(len(values))])
            self.weights[head] = weight / weight[weight > 0].mean() if (weight > 0).any() else weight

    def __call__(self, logits: torch.Tensor, rows: list[int]) -> torch.Tensor:
        total = logits.new_zeros(())
        for head, part in self.slices.items():
            gold = self.targets[head][rows]
            if bool((gold == IGNORE).all()):
                continue  # nothing to learn for this head here (and the mean would be 0/0)
            total = total + HEAD_WEIGHTS.get(head, 1.0) * torch.nn.functional.cross_entropy(
                logits[:, part], gold, weight=self.weights[head], ignore_index=IGNORE)
        return total


def classifier_from(shape: ModelShape, vocab_size: int, pad_id: int, heads: dict[str, list[str]],
                    encoder: BertForMaskedLM | None, name: str, max_length: int | None = None
                    ) -> BertForSequenceClassification:
    """A grouped-head classifier, its encoder copied from a pre-trained MLM when given."""
    labels = head_labels(heads)
    config = shape.config(vocab_size, pad_id=pad_id, num_labels=len(labels),
                          id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    # What fine-tuning reads and so what inference should read (TransformerClassifier default).
    config.minsheng_max_length = max_length or shape.max_length
    config.minsheng_name = name
    model = BertForSequenceClassification(config)
    if encoder is not None:
        # The MLM has no pooler; that layer starts fresh like the output layer.
        missing, unexpected = model.bert.load_state_dict(encoder.bert.state_dict(), strict=False)
        if unexpected or any(not key.startswith("pooler.") for key in missing):
            raise RuntimeError(f"encoder weights do not fit: missing {missing}, unexpected {unexpected}")
    return model


def encode(tokenizer: object, texts: Sequence[str], max_length: int) -> list[list[int]]:
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def finetune(model: BertForSequenceClassification, tokenizer: object, train: Sequence[Example],
             heads: dict[str, list[str]], epochs: int = 12, batch_size: int = 32, lr: float = 4e-4,
             seed: int = 0, on_step: Callable[[int, int, float], None] | None = None) -> dict:
    """Train ``model`` in place on ``train``; returns a summary (steps, loss, seconds)."""
    torch.manual_seed(seed)
    loss_fn = HeadLoss(heads, train)
    ids = encode(tokenizer, [e.text for e in train], model.config.minsheng_max_length)
    pad = tokenizer.pad_token_id
    per_epoch = (len(train) + batch_size - 1) // batch_size
    total = max(1, per_epoch * epochs)
    # The fresh output layer learns faster than the pre-trained encoder may move.
    head_params = [p for n, p in model.named_parameters() if n.startswith(("classifier", "bert.pooler"))]
    body_params = [p for n, p in model.named_parameters() if not n.startswith(("classifier", "bert.pooler"))]
    optimizer = torch.optim.AdamW([{"params": body_params, "lr": lr},
                                   {"params": head_params, "lr": lr * 3}], weight_decay=0.01)
    schedule = linear_schedule(optimizer, total, warmup_share=0.1)
    order = list(range(len(train)))
    shuffler = random.Random(seed)
    started, step, recent = time.monotonic(), 0, []
    model.train()
    for _ in range(epochs):
        shuffler.shuffle(order)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(ids[r]) for r in rows)
            inputs = torch.full((len(rows), width), pad, dtype=torch.long)
            for i, r in enumerate(rows):
                inputs[i, :len(ids[r])] = torch.tensor(ids[r])
            logits = model(input_ids=inputs, attention_mask=(inputs != pad).long()).logits
            loss = loss_fn(logits, rows)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            recent = (recent + [loss.item()])[-20:]
            if on_step:
                on_step(step, total, sum(recent) / len(recent))
    model.eval()
    return {"examples": len(train), "epochs": epochs, "steps": step,
            "final_loss": round(sum(recent) / max(1, len(recent)), 4),
            "seconds": round(time.monotonic() - started, 1)}
