"""Starting, resetting and stopping the world: one threaded werkzeug server per site, each on its own port."""
from __future__ import annotations

import random
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from demoworld.config_writer import write_configs
from demoworld.context import Ctx
from demoworld.layout import service_url, site_names, urls_for
from demoworld.model import load_world_data
from demoworld.sites import csdl, index, mail, pay, portal, sso, vendor_a, vendor_b, vendor_c, vendor_d, vendor_e, vendor_f, vendor_g, vendor_h
from demoworld.state import WorldState


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: tests and benchmarks would drown in it."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _ports_free(host: str, ports: range) -> bool:
    for p in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, p))
            except OSError:
                return False
    return True


def _find_base(host: str, count: int) -> int:
    """A block of `count` consecutive free ports (the last one is the world's dead port)."""
    for _ in range(200):
        base = random.randint(20000, 60000 - count)
        if _ports_free(host, range(base, base + count)):
            return base
    raise RuntimeError("no free block of ports found")


class World:
    """A running demo world. Create it with start_world()."""

    def __init__(self, host: str = "127.0.0.1", base_port: int = 0, delay_ms: int = 0) -> None:
        self.data = load_world_data()
        self.state = WorldState()
        n = len(site_names(self.data))
        self.host = host
        self.base_port = base_port or _find_base(host, n + 1)
        self.urls, self.dead_base = urls_for(self.data, host, self.base_port)
        self.ctx = Ctx(self.state, self.data, self.urls, self.dead_base, delay_ms)
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []

    # --- building ----------------------------------------------------------------------------
    def _apps(self) -> dict[str, Flask]:
        ctx = self.ctx
        apps: dict[str, Flask] = {"index": index.build(ctx, self.reset), "csdl": csdl.build(ctx), "mail": mail.build(ctx),
                                  "pay": pay.build(ctx), "sso": sso.build(ctx)}
        for a in self.data.agencies:
            apps[f"portal:{a.id}"] = portal.build(ctx, a, lambda s: service_url(self.data, self.urls, self.dead_base, s))
            if a.vendor == "A":
                apps[f"dvc:{a.id}"] = vendor_a.build(ctx, a)
            elif a.vendor == "B":
                apps[f"dvc:{a.id}"] = vendor_b.build(ctx, a)
            elif a.vendor == "C":
                apps[f"dvc:{a.id}"], apps[f"form:{a.id}"] = vendor_c.build(ctx, a)
            elif a.vendor == "D":
                apps[f"dvc:{a.id}"] = vendor_d.build(ctx, a)
            elif a.vendor == "E":
                apps[f"dvc:{a.id}"], apps[f"egov:{a.id}"] = vendor_e.build(ctx, a)
            elif a.vendor == "F":
                apps[f"dvc:{a.id}"] = vendor_f.build(ctx, a)
            elif a.vendor == "G":
                apps[f"dvc:{a.id}"] = vendor_g.build(ctx, a)
            elif a.vendor == "H":
                apps[f"dvc:{a.id}"] = vendor_h.build(ctx, a)
        return apps

    def start(self) -> "World":
        apps = self._apps()
        try:
            for name in self.urls:
                port = int(self.urls[name].rsplit(":", 1)[1].strip("/"))
                srv = make_server(self.host, port, apps[name], threaded=True, request_handler=_QuietHandler)
                srv.daemon_threads = True  # type: ignore[attr-defined]
                t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, name=f"demoworld-{name}", daemon=True)
                t.start()
                self._servers.append(srv)
                self._threads.append(t)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        for url in self.urls.values():
            while True:
                try:
                    with urllib.request.urlopen(url + "favicon.ico", timeout=2) as r:
                        r.read()
                    break
                except (urllib.error.URLError, OSError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"site did not answer: {url}")
                    time.sleep(0.05)

    # --- public API --------------------------------------------------------------------------
    def write_config(self, directory: str | Path) -> Path:
        return write_configs(self.data, self.urls, self.dead_base, directory)

    def allowed_private(self) -> list[str]:
        """The world's own host:port (every site, and the dead port): what a crawler must allow-list to visit it."""
        bases = [*self.urls.values(), self.dead_base]
        return [base.split("://", 1)[1].rstrip("/") for base in bases]

    def reset(self) -> None:
        self.state.reset()

    def stop(self) -> None:
        self.state.wake.set()  # release held requests (time-outs, never-ending pages)
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(5)
        for s in self._servers:
            s.server_close()
        self._servers.clear()
        self._threads.clear()

    def answer_key(self) -> dict:
        from demoworld.answer_key import build_answer_key  # tests only: servers never need it
        return build_answer_key(self.data, self.urls, self.dead_base)

    def __enter__(self) -> "World":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_world(host: str = "127.0.0.1", base_port: int = 0, delay_ms: int = 0) -> World:
    """Start every site; returns once each one answers."""
    return World(host, base_port, delay_ms).start()


def serve_forever(world: World) -> None:
    """Block until Ctrl-C, then stop the world."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        world.stop()
