"""Fixtures every package's tests share: a throwaway monitor home and config."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "wenzheng"
DEMO_GAZETTEER = REPO / "demo" / "data" / "gazetteer.csv"


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "messages.jsonl").is_file():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config with its home under tmp_path; extra YAML is appended as given."""
    def make(extra: str = "", *, name: str = "minsheng.yaml") -> Path:
        path = tmp_path / name
        path.write_text(
            f"home: {tmp_path / 'home'}\n"
            f"gazetteer: {DEMO_GAZETTEER}\n"
            "nlp: {jurisdiction: 嘉兴市}\n" + extra,
            encoding="utf-8",
        )
        return path
    return make


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `minsheng ARGS` in-process; returns (exit code, stdout, stderr)."""
    from api.cli import main

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["minsheng", *args])
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err
    return run
