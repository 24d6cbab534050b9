"""The config: YAML + env, relative paths, and one-line errors that name file and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import ConfigError, load_settings

DEMO = Path(__file__).resolve().parents[2] / "demo" / "config.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "minsheng.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_loads_with_defaults() -> None:
    settings = load_settings(DEMO)
    assert {s.id for s in settings.sources} >= {"jx9qu", "hotline"}
    assert settings.gazetteer is not None and settings.gazetteer.is_absolute()
    assert [r.id for r in settings.effective_rules][:2] == ["same-point-day", "multi-author-2d"]
    assert settings.effective_database_url.startswith("sqlite:///")


def test_env_overrides_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "home: ./from-yaml\nsearch: {backend: tantivy}\n")
    monkeypatch.setenv("MINSHENG_HOME", str(tmp_path / "from-env"))
    monkeypatch.setenv("MINSHENG_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/db")
    settings = load_settings(path)
    assert settings.home == tmp_path / "from-env"
    assert settings.effective_database_url == "postgresql+psycopg://u@127.0.0.1/db"


def test_relative_gazetteer_resolves_against_config_folder(tmp_path: Path) -> None:
    (tmp_path / "g.csv").write_text("id,name,type,parent_id,aliases,lat,lon\n", encoding="utf-8")
    settings = load_settings(write(tmp_path, "gazetteer: g.csv\n"))
    assert settings.gazetteer == (tmp_path / "g.csv").resolve()


@pytest.mark.parametrize("text, expected", [
    ("search: {backend: solr}\n", "search.backend"),
    ("sources:\n  - {id: a, kind: discuz}\n", "boards"),
    ("sources:\n  - {id: a, kind: ftp}\n", "sources.0"),
    ("sources:\n  - {id: a, kind: hotline}\n  - {id: a, kind: hotline}\n", "used twice"),
    ("sources:\n  - {id: a, kind: discuz, boards: [x], schedule: 'every day'}\n", "cron"),
    ("rules:\n  - {id: r, window: soon}\n", "window"),
    ("colour: blue\n", "colour"),
    ("search: {backend: elasticsearch}\n", "search.url"),
    ("gazetteer: nowhere.csv\n", "gazetteer"),
    ("- just\n- a list\n", "mapping"),
    ("home: [unclosed\n", "YAML"),
])
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert str(path) in message and expected in message and "\n" not in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.yaml")


def test_config_location_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.settings import DEMO_CONFIG, locate_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MINSHENG_CONFIG", raising=False)
    assert locate_config() == DEMO_CONFIG
    (tmp_path / "minsheng.yaml").write_text("home: ./v\n")
    assert locate_config() == Path("minsheng.yaml")
    monkeypatch.setenv("MINSHENG_CONFIG", str(tmp_path / "other.yaml"))
    assert locate_config() == tmp_path / "other.yaml"
    assert locate_config(tmp_path / "given.yaml") == tmp_path / "given.yaml"
