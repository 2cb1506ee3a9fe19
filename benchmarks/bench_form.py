"""Benchmark: web-form submissions per second on loopback.

Serves the app (waitress when installed, as ``landscape serve`` does, else
werkzeug) on a free 127.0.0.1 port in this process and answers the
local-government survey through real HTTP, exactly as a browser without
JavaScript would: GET each page, POST it, follow the 303 redirect, until the
confirmation page. Two peers run in the same process against the same store,
so the ratios say what the form itself costs:

* a bare Flask endpoint on the same server that returns 200 without work
  (the HTTP floor: same client, same server, same number of requests);
* ``survey.store.save_response`` called directly with the same answers (the
  store floor: validation and one write per response, no HTTP, no pages).

Synthetic respondents only; nothing leaves the machine. Run::

    python benchmarks/bench_form.py [--responses 40] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import html
import http.client
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from dashboard.app import create_app
from dashboard.form import answer_fields
from survey.instrument import Catalogue, InstrumentVersion
from survey.store import Store, save_response
from survey.store.frame import import_frame
from survey.store.invitations import issue_invitations

_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
_ACTION = re.compile(r'<form method="post" action="([^"]*)"')
_COOKIE = "landscape_form_csrf"


def _answers(iv: InstrumentVersion) -> dict[str, Any]:
    """A complete not-involved response (synthetic)."""
    priorities = iv.question("evidence_priorities")
    assert priorities is not None
    return {
        "consent": True, "organisation": "Synthetic Borough Council (benchmark)",
        "organisation_type": "unitary_authority", "nation": "wales", "in_partnership": "no",
        "partnership_intention": "open_to_it", "openness": 4,
        "evidence_priorities": {c: i for i, c in enumerate(priorities.option_codes, 1)},
    }


class _Client:
    """A minimal browser: one loopback connection per request, one cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.requests = 0

    def request(self, method: str, path: str, body: str | None = None
                ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8")
            found = {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()
        self.requests += 1
        set_cookie = found.get("set-cookie", "")
        if set_cookie.startswith(_COOKIE + "="):
            self.cookie = set_cookie.split(";", 1)[0]
        return response.status, found, text

    def answer(self, link_path: str, fields: list[tuple[str, str]]) -> None:
        """Answer every page of the form at ``link_path`` with ``fields``."""
        path = link_path
        for _ in range(40):
            status, _, page = self.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status}")
            action = _ACTION.search(page)
            if action is None:
                raise RuntimeError(f"no form on {path}")
            body = urlencode([*fields, *_HIDDEN.findall(page), ("action", "next")])
            status, headers, text = self.request("POST", html.unescape(action.group(1)), body)
            if status != 303:
                raise RuntimeError(f"POST {path}: {status}\n{text[:2000]}")
            path = headers["location"].replace(f"http://127.0.0.1:{self.port}", "")
            if "/done" in path:
                status, _, _ = self.request("GET", path)
                if status != 200:
                    raise RuntimeError(f"GET {path}: {status}")
                return
        raise RuntimeError("the form never finished")


@contextmanager
def _serving(app: Any, server_name: str) -> Iterator[int]:
    """Serve ``app`` on a free loopback port in a thread; yield the port."""
    if server_name == "waitress":
        import waitress.server  # type: ignore[import-untyped]

        server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
        port = int(server.effective_port)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield port
        finally:
            # Stop the worker threads first, or one may poke the closed trigger pipe.
            server.task_dispatcher.shutdown()
            server.close()
    else:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class _Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass  # one log line per request would be measured too

        wsgi = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
        thread.start()
        try:
            yield wsgi.server_port
        finally:
            wsgi.shutdown()
    thread.join(timeout=10)


def _timed(count: int, max_seconds: float, step: Callable[[int], object]) -> tuple[int, float]:
    """Run ``step(i)`` up to ``count`` times or until ``max_seconds``; (done, seconds)."""
    start = time.perf_counter()
    done = 0
    while done < count and time.perf_counter() - start < max_seconds:
        step(done)
        done += 1
    return done, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=40, help="complete responses (40)")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="time limit for each measurement (60)")
    parser.add_argument("--server", choices=("waitress", "werkzeug"), default=None,
                        help="WSGI server (default: waitress when installed)")
    args = parser.parse_args(argv)
    n = max(1, min(args.responses, 2000))
    server_name = args.server
    if server_name is None:
        try:
            import waitress  # noqa: F401
            server_name = "waitress"
        except ImportError:
            server_name = "werkzeug"

    with tempfile.TemporaryDirectory(prefix="bench_form_") as tmp:
        folder = Path(tmp)
        store = Store.open(f"sqlite:///{folder / 'bench.db'}", check=False, create=True)
        store.upgrade()
        iv = Catalogue.default().load("local_government@1.0.0")
        frame = folder / "frame.csv"
        frame.write_text("name,email,organisation,organisation_type,role,nation,region\n" + "".join(
            f"Person {i},p{i}@example.org,Synthetic Council {i},unitary,Officer,Wales,\n"
            for i in range(n)), encoding="utf-8")
        import_frame(store, frame)
        links = [row.link.split("/respond/", 1)[1]
                 for row in issue_invitations(store, iv, "http://127.0.0.1")]
        answers = _answers(iv)
        fields = answer_fields(iv, answers)
        app = create_app(store, demo_label="Benchmark: synthetic responses")
        app.server.add_url_rule("/_bench/ping", "bench_ping", lambda: "ok")

        with _serving(app.server, server_name) as port:
            client = _Client(port)
            client.answer(f"/respond/{links[0]}", fields)  # warm-up: caches, first parse
            client.requests = 0
            done, seconds = _timed(n - 1, args.max_seconds,
                                   lambda i: client.answer(f"/respond/{links[i + 1]}", fields))
            form_requests = client.requests
            ping = _Client(port)
            ping_done, ping_seconds = _timed(form_requests, args.max_seconds,
                                             lambda _: ping.request("GET", "/_bench/ping"))

        direct_done, direct_seconds = _timed(
            done, args.max_seconds,
            lambda i: save_response(store, iv, answers, idempotency_key=f"bench-direct-{i}",
                                    path="no_partnership"))
        store.close()

    def rate(count: int, secs: float) -> float:
        return count / secs if secs > 0 else float("nan")

    form_rate = rate(done, seconds)
    request_rate = rate(form_requests, seconds)
    ping_rate = rate(ping_done, ping_seconds)
    direct_rate = rate(direct_done, direct_seconds)
    rows = [
        ("form: complete responses over HTTP", done, seconds, form_rate),
        ("form: HTTP requests (GET+POST per page)", form_requests, seconds, request_rate),
        ("peer: bare Flask endpoint, same server", ping_done, ping_seconds, ping_rate),
        ("peer: direct save_response, no HTTP", direct_done, direct_seconds, direct_rate),
    ]
    print(f"web form on loopback: local_government@1.0.0, not-involved path, "
          f"{server_name}, SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
    print(f"{'measure':<42} {'count':>6} {'seconds':>8} {'per second':>11}")
    for label, count, secs, per in rows:
        print(f"{label:<42} {count:>6} {secs:>8.2f} {per:>11.1f}")
    pages = form_requests / done if done else float("nan")
    print(f"requests per complete response: {pages:.1f}")
    print(f"ratio form requests / bare endpoint requests: {request_rate / ping_rate:.2f}")
    print(f"ratio form responses / direct save_response:  {form_rate / direct_rate:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
