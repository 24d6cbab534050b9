"""Tagger settings (the ``nlp:`` key)."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class NlpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A local Hugging Face checkpoint directory; None uses the model shipped in nlp/models
    # when present, else the lexicon alone.
    model_path: Path | None = None
    # Three-level category tree (level1,level2,level3 CSV); None uses the shipped tree.
    taxonomy: Path | None = None
    # Extra domain terms for the segmenter, one per line.
    lexicon: Path | None = None
    # The learned place-name tagger (`minsheng train --kind places`); None uses the shipped one.
    place_model: Path | None = None
    use_place_model: bool = True
    complaint_threshold: float = Field(default=0.5, ge=0, le=1)
    use_model: bool = True
    # The jurisdiction tried first for ambiguous names, e.g. "嘉兴市".
    jurisdiction: str | None = None
    # Tagger components, run in this order (see nlp/components.py for the names).
    pipeline: list[str] = Field(default_factory=lambda: [
        "segment", "locate", "complaint", "category", "route", "urgency"])
