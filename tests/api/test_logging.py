"""One log line per event: JSON with source, run id and post id off a terminal, readable on one."""
from __future__ import annotations

import io
import json
import logging

import pytest

from api.logging import adopt_root_handlers, configure_logging, set_log_context


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_json_lines_with_context_and_per_event_fields(restore_root) -> None:
    stream = io.StringIO()
    configure_logging(service="minsheng", stream=stream, context={"source": "jx9qu"})
    log = logging.getLogger("crawlers.test")
    log.info("stored %d posts", 3, extra={"post_id": 41})
    set_log_context(run_id=7)
    log.warning("第二行", extra={"source": "other"})
    try:
        raise ValueError("bad page")
    except ValueError:
        log.exception("parse failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert (first["msg"], first["source"], first["post_id"], first["service"]) == ("stored 3 posts", "jx9qu", 41, "minsheng")
    assert "run_id" not in first and second["run_id"] == 7
    assert second["source"] == "other" and second["msg"] == "第二行"  # the event's own field wins
    assert third["level"] == "ERROR" and "ValueError: bad page" in third["exc"]


def test_readable_on_a_terminal_and_configured_once(restore_root) -> None:
    terminal = Terminal()
    configure_logging(service="minsheng", stream=terminal)
    configure_logging(service="minsheng", stream=terminal)  # a second call replaces, never doubles
    logging.getLogger("crawlers.scheduler").info("crawl starts", extra={"source": "jx9qu", "run_id": 3})
    [line] = terminal.getvalue().splitlines()
    assert line.endswith("INFO    crawlers.scheduler [source=jx9qu run_id=3] crawl starts")


def test_adopting_someone_elses_handler(restore_root) -> None:
    stream = io.StringIO()
    foreign = logging.StreamHandler(stream)  # what Scrapy installs in a crawl
    logging.getLogger().addHandler(foreign)
    logging.getLogger().setLevel(logging.INFO)
    adopt_root_handlers(json_lines=True, context={"service": "crawl", "source": "hc"})
    set_log_context(run_id=12)
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    event = json.loads(stream.getvalue().splitlines()[-1])
    assert (event["source"], event["run_id"], event["service"]) == ("hc", 12, "crawl")
