"""Fitting the character n-gram classifier (nlp.ngram) on labelled examples.

TF-IDF features and a one-vs-rest squared-hinge loss with L2 regularisation, each
class weighted by its inverse frequency: a linear SVM, which on ~6k labelled messages
beat cross-entropy over mean-pooled n-grams by about 0.2 first-level macro-F1 on the
dev set (the rare categories gain most). The whole training set is one sparse matrix,
so an "epoch" is one full-batch Adam step; a few hundred converge.
The heads and the gold values are those of the BERT fine-tuning (HeadLoss), so the
two are compared like for like.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import torch

from nlp.model import join_title
from nlp.ngram import DEFAULT_BUCKETS, NgramClassifier, NgramNet, document_idf, ngram_ids, tfidf
from nlp.training.corpus import Example
from nlp.training.finetune import HEAD_WEIGHTS, IGNORE, HeadLoss

# Softmax scale of the margins when nothing better was chosen (the blend's CV picks one).
DEFAULT_SCALE = 4.0


class HingeHeadLoss:
    """Per head: mean over labelled rows of class-weighted one-vs-rest squared hinge."""

    def __init__(self, heads: dict[str, list[str]], examples: Sequence[Example],
                 example_weights: Sequence[float] | None = None) -> None:
        base = HeadLoss(heads, examples)  # gold indices; unknown values are a CorpusError there
        scale = torch.tensor(list(example_weights) if example_weights is not None else [1.0] * len(examples))
        self.parts: list[tuple[slice, torch.Tensor, torch.Tensor, torch.Tensor, float]] = []
        for head, part in base.slices.items():
            gold = base.targets[head]
            rows = (gold != IGNORE).nonzero().flatten()
            if not len(rows):
                continue  # nothing to learn for this head
            kept = gold[rows]
            counts = torch.bincount(kept, minlength=part.stop - part.start).float()
            present = int((counts > 0).sum())
            # Balanced: each class counts as much as the others, whatever its size.
            row_weight = (len(kept) / (present * counts[kept])) * scale[rows]
            signs = torch.full((len(rows), part.stop - part.start), -1.0)
            signs[torch.arange(len(rows)), kept] = 1.0
            self.parts.append((part, rows, signs, row_weight, HEAD_WEIGHTS.get(head, 1.0)))

    def __call__(self, outputs: torch.Tensor) -> torch.Tensor:
        total = outputs.new_zeros(())
        for part, rows, signs, row_weight, head_weight in self.parts:
            losses = (torch.clamp(1 - signs * outputs[rows, part], min=0) ** 2).sum(dim=1)
            total = total + head_weight * (losses * row_weight).mean()
        return total


def feature_matrix(id_lists: Sequence[Sequence[int]], idf: torch.Tensor, buckets: int,
                   sublinear: bool) -> torch.Tensor:
    """Rows of TF-IDF weights as one sparse CSR matrix (examples x buckets)."""
    rows, cols, values = [], [], []
    for row, ids in enumerate(id_lists):
        unique, weights = tfidf(ids, idf, sublinear)
        rows.extend([row] * len(unique))
        cols.extend(unique)
        values.extend(weights)
    matrix = torch.sparse_coo_tensor(torch.tensor([rows, cols], dtype=torch.long),
                                     torch.tensor(values, dtype=torch.float32), (len(id_lists), buckets),
                                     check_invariants=True)
    with warnings.catch_warnings():
        # CSR is "beta" in torch; sparse.mm with it is what makes a full-batch step cheap.
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return matrix.coalesce().to_sparse_csr()


def fit_ngram(train: Sequence[Example], heads: dict[str, list[str]], buckets: int = DEFAULT_BUCKETS,
              epochs: int = 200, lr: float = 0.05, l2: float = 1e-4, seed: int = 7,
              on_step: Callable[[int, int, float], None] | None = None,
              example_weights: Sequence[float] | None = None,
              sublinear: bool = False) -> tuple[NgramClassifier, dict]:
    """Full-batch Adam for ``epochs`` steps; returns the classifier and a small training summary.

    ``example_weights`` scale single examples' losses (e.g. the few short written posts,
    which stand for the short forum replies and comments the monitor mostly reads).
    Raw term counts (``sublinear=False``) beat 1 + log(count) by about 0.02
    cross-validated macro-F1 on the hand labels (0.05 on the dev set): a word repeated
    through a message is what the message is about.
    """
    if not train:
        raise ValueError("no training examples")
    torch.manual_seed(seed)
    loss_fn = HingeHeadLoss(heads, train, example_weights)
    id_lists = [ngram_ids(join_title(e.title, e.body), buckets) for e in train]
    idf = document_idf(id_lists, buckets)
    features = feature_matrix(id_lists, idf, buckets, sublinear)
    outputs = sum(len(v) for v in heads.values())
    weight = torch.zeros(buckets, outputs, requires_grad=True)
    bias = torch.zeros(outputs, requires_grad=True)
    optimiser = torch.optim.Adam([weight, bias], lr=lr)
    loss_value = 0.0
    for step in range(1, epochs + 1):
        loss = loss_fn(torch.sparse.mm(features, weight) + bias) + l2 * (weight ** 2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        loss_value = float(loss.detach())
        if on_step:
            on_step(step, epochs, loss_value)
    net = NgramNet(buckets, outputs)
    with torch.no_grad():
        net.bag.weight.copy_(weight)
        net.bias.copy_(bias)
    summary = {"examples": len(train), "epochs": epochs, "steps": epochs, "final_loss": round(loss_value, 4),
               "buckets": buckets, "lr": lr, "l2": l2, "tf": "log" if sublinear else "raw",
               "loss": "squared hinge, one-vs-rest, class-balanced"}
    return NgramClassifier(net, heads, buckets, idf=idf, scale=DEFAULT_SCALE, sublinear=sublinear), summary
