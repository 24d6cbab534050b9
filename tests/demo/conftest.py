"""Shared fixtures for the demo tests."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_gazetteer() -> Path:
    return Path(__file__).parent / "data" / "gazetteer_small.csv"


@pytest.fixture
def shared_dir() -> Path:
    """The shared data folder; tests that need its messages skip when it is absent."""
    path = REPO / ".." / "shared"
    if not (path / "data" / "wenzheng" / "messages.jsonl").is_file():
        pytest.skip(f"shared residents' messages not found under {path}")
    return path
