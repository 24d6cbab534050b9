"""Fitting the character n-gram classifier (nlp.ngram) on labelled examples.

Same heads and the same class-weighted loss as the BERT fine-tuning
(nlp.training.finetune.HeadLoss), so the two are compared like for like.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import torch

from nlp.ngram import DEFAULT_BUCKETS, NgramClassifier, NgramNet, ngram_ids, pack
from nlp.model import join_title
from nlp.training.corpus import Example
from nlp.training.finetune import HeadLoss


def fit_ngram(train: Sequence[Example], heads: dict[str, list[str]], buckets: int = DEFAULT_BUCKETS,
              epochs: int = 8, batch_size: int = 32, lr: float = 0.1,
              seed: int = 7, on_step: Callable[[int, int, float], None] | None = None
              ) -> tuple[NgramClassifier, dict]:
    """Adam over mini-batches; returns the classifier and a small training summary."""
    if not train:
        raise ValueError("no training examples")
    torch.manual_seed(seed)
    loss_fn = HeadLoss(heads, train)  # checks every gold value is a known class
    features = [ngram_ids(join_title(e.title, e.body), buckets) for e in train]
    net = NgramNet(buckets, sum(len(v) for v in heads.values()), sparse=True)
    # Sparse updates: a batch touches a few thousand of the table's rows, and dense
    # Adam over the whole table made each step ~100x slower.
    optimisers = [torch.optim.SparseAdam([net.bag.weight], lr=lr), torch.optim.Adam([net.bias], lr=lr)]
    order = list(range(len(train)))
    shuffle = random.Random(seed).shuffle
    steps_per_epoch = (len(order) + batch_size - 1) // batch_size
    total, step, loss_value = steps_per_epoch * epochs, 0, 0.0
    net.train()
    for _ in range(epochs):
        shuffle(order)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            logits = net(*pack([features[i] for i in rows]))
            loss = loss_fn(logits, rows)
            for optimiser in optimisers:
                optimiser.zero_grad()
            loss.backward()
            for optimiser in optimisers:
                optimiser.step()
            step, loss_value = step + 1, float(loss.detach())
            if on_step:
                on_step(step, total, loss_value)
    summary = {"examples": len(train), "epochs": epochs, "steps": step, "final_loss": round(loss_value, 4),
               "buckets": buckets, "lr": lr}
    # Inference and saving use the plain (dense) layer.
    dense = NgramNet(buckets, net.bias.numel())
    dense.load_state_dict(net.state_dict())
    return NgramClassifier(dense, heads, buckets), summary
