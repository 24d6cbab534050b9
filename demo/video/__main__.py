"""``python -m demo.video --port N``: serve the demo short-video site until interrupted."""
from __future__ import annotations

import argparse
import time

from demo.video.server import VideoSiteServer, build_state, default_writer
from demo.video.state import Faults


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.video", description="演示短视频站")
    parser.add_argument("--port", type=int, default=8020)
    parser.add_argument("--videos", type=int, default=12)
    parser.add_argument("--comments", type=int, default=30, help="comments per video at start")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--speed", type=float, default=60.0,
                        help="site seconds per wall second: new comments keep appearing")
    parser.add_argument("--prerender", action="store_true",
                        help="also server-render the first comment page (default: JavaScript only)")
    args = parser.parse_args(argv)
    state = build_state(default_writer(args.seed), videos=args.videos,
                        comments_per_video=args.comments, seed=args.seed, speed=args.speed,
                        faults=Faults(require_js=not args.prerender))
    with VideoSiteServer(state, port=args.port) as server:
        print(f"demo video site on {server.url}/ ({len(state.videos)} videos)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
