"""python -m demoworld serve --port P [--config-out DIR] [--delay-ms N]"""
from __future__ import annotations

import argparse

from demoworld.world import serve_forever, start_world


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m demoworld")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the demo world until Ctrl-C")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8700)
    s.add_argument("--delay-ms", type=int, default=0)
    s.add_argument("--config-out", default=None, help="write agencies/*.yaml for this world into DIR")
    args = ap.parse_args()
    world = start_world(args.host, args.port, args.delay_ms)
    if args.config_out:
        print("config:", world.write_config(args.config_out))
    for name, url in world.urls.items():
        print(f"{name:24s} {url}")
    serve_forever(world)


if __name__ == "__main__":
    main()
