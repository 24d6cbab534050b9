"""Masked-language-model pre-training of a small character BERT on unlabelled messages.

Messages are packed end to end (separated by [SEP]) into fixed windows so no compute
goes to padding; 15% of characters are chosen, 80/10/10 masked/random/kept as in BERT.
The vocabulary projection runs on the chosen positions only: with a few thousand
characters it would otherwise cost more than the encoder itself.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from transformers import BertConfig, BertForMaskedLM

MASK_RATE = 0.15


@dataclass(frozen=True)
class ModelShape:
    """Encoder size: small enough for >200 posts/s per core, big enough to learn."""

    layers: int = 2
    hidden: int = 128
    heads: int = 2
    intermediate: int = 512
    max_length: int = 128

    def config(self, vocab_size: int, pad_id: int = 0, **extra: object) -> BertConfig:
        return BertConfig(vocab_size=vocab_size, hidden_size=self.hidden, num_hidden_layers=self.layers,
                          num_attention_heads=self.heads, intermediate_size=self.intermediate,
                          max_position_embeddings=self.max_length, type_vocab_size=1,
                          pad_token_id=pad_id, **extra)


def linear_schedule(optimizer: torch.optim.Optimizer, total: int, warmup_share: float = 0.06
                    ) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up then linear decay to zero."""
    warmup = max(1, int(total * warmup_share))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def pack_windows(token_lists: Sequence[Sequence[int]], window: int, cls_id: int, sep_id: int
                 ) -> torch.Tensor:
    """[CLS] + ``window - 1`` tokens per row, messages joined by [SEP]; the tail is dropped."""
    stream: list[int] = []
    for tokens in token_lists:
        stream.extend(tokens)
        stream.append(sep_id)
    body = window - 1
    rows = len(stream) // body
    if rows == 0:
        # Too little text for one full window: pad-free rows are impossible, use one short row.
        return torch.tensor([[cls_id, *stream]], dtype=torch.long)
    data = torch.tensor(stream[:rows * body], dtype=torch.long).view(rows, body)
    return torch.cat([torch.full((rows, 1), cls_id, dtype=torch.long), data], dim=1)


def mask_tokens(inputs: torch.Tensor, special_ids: Sequence[int], mask_id: int, vocab_size: int,
                generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(masked inputs, labels with -100 where nothing is predicted)."""
    labels = inputs.clone()
    chosen = torch.rand(inputs.shape, generator=generator) < MASK_RATE
    for special in special_ids:
        chosen &= inputs != special
    labels[~chosen] = -100
    masked = inputs.clone()
    roll = torch.rand(inputs.shape, generator=generator)
    masked[chosen & (roll < 0.8)] = mask_id
    random_pick = chosen & (roll >= 0.8) & (roll < 0.9)
    # Random replacements are ordinary characters (special ids sit at the start of the vocab).
    low = max(special_ids) + 1
    masked[random_pick] = torch.randint(low, vocab_size, inputs.shape, generator=generator)[random_pick]
    return masked, labels


def mlm_loss(model: BertForMaskedLM, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    hidden = model.bert(input_ids=inputs).last_hidden_state
    picked = labels != -100
    logits = model.cls(hidden[picked])
    return torch.nn.functional.cross_entropy(logits, labels[picked])


def pretrain(token_lists: Sequence[Sequence[int]], vocab_size: int, special: dict[str, int],
             shape: ModelShape, epochs: float = 3.0, batch_size: int = 64, lr: float = 1e-3,
             seed: int = 0, time_budget: float | None = None,
             on_step: Callable[[int, int, float], None] | None = None) -> tuple[BertForMaskedLM, dict]:
    """Train an MLM from scratch; returns the model and a summary (steps, loss, seconds).

    ``epochs`` may be fractional. ``time_budget`` (seconds) ends training early, and the
    summary says so, rather than blowing the ``minsheng train`` time limit on a slow box.
    ``on_step(step, total, loss)`` reports progress.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    windows = pack_windows(token_lists, shape.max_length, special["[CLS]"], special["[SEP]"])
    model = BertForMaskedLM(shape.config(vocab_size, pad_id=special["[PAD]"]))
    model.train()
    per_epoch = math.ceil(len(windows) / batch_size)
    total = max(1, int(per_epoch * epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = linear_schedule(optimizer, total)
    order = list(range(len(windows)))
    shuffler = random.Random(seed)
    started, step, recent, stopped_early = time.monotonic(), 0, [], False
    special_ids = sorted(special.values())
    while step < total and not stopped_early:
        shuffler.shuffle(order)
        for start in range(0, len(order), batch_size):
            if step >= total:
                break
            batch = windows[order[start:start + batch_size]]
            inputs, labels = mask_tokens(batch, special_ids, special["[MASK]"], vocab_size, generator)
            if not (labels != -100).any():
                continue
            loss = mlm_loss(model, inputs, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            recent = (recent + [loss.item()])[-50:]
            if on_step:
                on_step(step, total, sum(recent) / len(recent))
            if time_budget is not None and time.monotonic() - started > time_budget:
                stopped_early = True
                break
    model.eval()
    return model, {"windows": len(windows), "tokens": int(windows.numel()), "steps": step,
                   "planned_steps": total, "final_loss": round(sum(recent) / max(1, len(recent)), 4),
                   "seconds": round(time.monotonic() - started, 1), "stopped_by_time_budget": stopped_early}
