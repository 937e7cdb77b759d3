"""Benchmark: what the workspace's guard costs a page, a sign-in's scrypt, and waitress against Flask's server.

    .venv/bin/python bench/bench_workspace.py                    # 500 services, 2,000 runs per agency
    .venv/bin/python bench/bench_workspace.py --requests 400 --clients 8

Synthetic rows in a temporary store (the real schema; `bench_evidence_browser.fill`). Three figures,
each against a baseline of the same run:

1. a page rendered in-process for a signed-in inspector (session lookup, CSRF token, role) against the
   same page with no users at all (the read-only browser as it was): the guard's overhead ratio;
2. one sign-in's password check (scrypt n=2^14, r=8, p=1) in milliseconds, against one SHA-256 of the
   same password (why it is slow on purpose: a guess costs as much);
3. pages per second over real HTTP from several client threads, waitress (`kiemtra serve`) against
   werkzeug's threaded development server, same app and store.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_evidence_browser import fill  # noqa: E402
from bench.machine import describe as machine  # noqa: E402
from evidence import people  # noqa: E402
from evidence.store import Store  # noqa: E402
from evidence.web import create_app  # noqa: E402

PAGE = "/luot?agency=tinh-0"


def render_times(client, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(PAGE)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
    return times


def throughput(port: int, requests: int, clients: int, cookie: str) -> float:
    def one(_: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", PAGE, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        connection.close()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    return requests / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=500, help="services per agency")
    parser.add_argument("--runs", type=int, default=2000, help="runs per agency")
    parser.add_argument("--repeat", type=int, default=30, help="in-process renders per case")
    parser.add_argument("--requests", type=int, default=200, help="HTTP requests per server")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "var"
        with Store(data) as store:
            fill(store, args.services, args.runs)
        app = create_app(data, secure_cookies=False)   # the bench's clients speak plain HTTP to 127.0.0.1
        client = app.test_client()
        render_times(client, 3)
        open_times = render_times(client, args.repeat)
        with Store(data) as store:
            user = people.add_user(store, "kiem-tra-a", "inspector", "mot-mat-khau-dai")
            token, _ = people.open_session(store, user, hours=1)
        cookie = f"kiemtra_session={token}"
        client.set_cookie("kiemtra_session", token)
        render_times(client, 3)
        guarded_times = render_times(client, args.repeat)
        base, guarded = statistics.median(open_times), statistics.median(guarded_times)
        print(f"page {PAGE} ({args.runs} runs/agency), median of {args.repeat}: no users {base * 1000:.1f} ms, "
              f"signed-in inspector {guarded * 1000:.1f} ms — guard ratio {guarded / base:.2f}×")

        stored = people.hash_password("mot-mat-khau-dai")
        t0 = time.perf_counter()
        for _ in range(10):
            people.password_matches("mot-mat-khau-dai", stored)
        scrypt_s = (time.perf_counter() - t0) / 10
        t0 = time.perf_counter()
        for _ in range(1000):
            hashlib.sha256(b"mot-mat-khau-dai").digest()
        sha_s = (time.perf_counter() - t0) / 1000
        print(f"password check: scrypt {scrypt_s * 1000:.1f} ms against sha256 {sha_s * 1e6:.2f} µs "
              f"— {scrypt_s / sha_s:,.0f}× the work per guess")

        import logging

        import waitress.server
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)   # one line per request would drown the figures

        rates = {}
        werkzeug = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=werkzeug.serve_forever, daemon=True).start()
        throughput(werkzeug.server_port, 10, 2, cookie)
        rates["werkzeug (Flask dev server)"] = throughput(werkzeug.server_port, args.requests, args.clients, cookie)
        werkzeug.shutdown()
        served = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=8)
        threading.Thread(target=served.run, daemon=True).start()
        port = served.effective_port  # type: ignore[union-attr]
        throughput(int(port), 10, 2, cookie)
        rates["waitress (kiemtra serve)"] = throughput(int(port), args.requests, args.clients, cookie)
        # waitress's loop thread is a daemon: it ends with the process (closing it under the loop only raises there)
        for name, rate in rates.items():
            print(f"{name}: {rate:.1f} pages/s ({args.requests} requests, {args.clients} clients)")
        print(f"waitress / werkzeug: {rates['waitress (kiemtra serve)'] / rates['werkzeug (Flask dev server)']:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
