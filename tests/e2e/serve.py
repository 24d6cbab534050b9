"""Run the API and staff UI over an e2e home: ``python -m tests.e2e.serve CONFIG PORT``.

Like `minsheng serve` without the crawl scheduler (the browser tests feed data
themselves). The tagger is loaded before listening, as in a running service, so a place
staff resolve is learned by the live tagger at once.
"""
from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from api.app import create_app
from api.runtime import Runtime
from api.settings import load_settings


def main(config: str, port: str) -> None:
    runtime = Runtime.from_settings(load_settings(Path(config)))
    runtime.tagger  # noqa: B018 - load now: the first search should not pay for it
    runtime.search
    app = create_app(runtime)
    try:
        uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning")
    finally:
        runtime.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
