"""A loopback service for the official W3C Trace Context test suite, on ``candidate.trace``.

The suite (github.com/w3c/trace-context, folder ``test/``) POSTs a JSON list of
``{"url": ..., "arguments": ...}`` actions to the service; for each action the
service POSTs ``arguments`` (as JSON) to ``url``, carrying the trace context it
extracted from the incoming request.  Each callback is sent from its own client
span, so every callback gets a fresh parent id.

The service hands its framework's own header object straight to
:func:`candidate.trace.extract`: ``http.client.HTTPMessage`` for ``http.server``,
``CIMultiDictProxy`` for ``aiohttp``.

Run the suite against it (two shells, from the repository root)::

    .venv/bin/python tests/candidate/w3c_trace_service.py --framework http.server --port 5000
    cd <trace-context checkout>/test
    STRICT_LEVEL=2 SPEC_LEVEL=2 python test.py http://127.0.0.1:5000/test

The conformance tests (``test_trace_w3c_conformance.py``) also start it in-process.
"""

from __future__ import annotations

import argparse
import json
import threading
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from candidate.trace import SpanKind, Tracer, extract, inject

__all__ = ["TRACER", "actions_of", "make_http_server", "run_aiohttp", "send_callbacks"]

TRACER = Tracer("w3c-conformance-service", backend="w3c")


def actions_of(body: bytes) -> list[dict[str, Any]]:
    """The actions of a request body (a JSON list; anything else is no action)."""
    try:
        actions = json.loads(body or b"[]")
    except ValueError:
        return []
    if isinstance(actions, dict):
        actions = [actions]
    return [a for a in actions if isinstance(a, dict) and isinstance(a.get("url"), str)]


def send_callbacks(headers: object, actions: list[dict[str, Any]],
                   post: Callable[[str, dict[str, str], bytes], None]) -> None:
    """Continue the trace of ``headers`` and make one traced callback per action."""
    remote = extract(headers)
    with TRACER.start_as_current_span("handle", parent=remote, root=remote is None,
                                      kind=SpanKind.SERVER):
        for action in actions:
            with TRACER.start_as_current_span("callback", kind=SpanKind.CLIENT):
                out = inject({"Content-Type": "application/json"})
            post(action["url"], dict(out), json.dumps(action.get("arguments") or []).encode())


def _urllib_post(url: str, headers: dict[str, str], data: bytes) -> None:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        response.read()


class _Handler(BaseHTTPRequestHandler):

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        send_callbacks(self.headers, actions_of(body), _urllib_post)  # the HTTPMessage itself
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_http_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An ``http.server`` instance of the service (call ``serve_forever`` to run it)."""
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    return server


def run_aiohttp(host: str, port: int) -> None:
    """Run the service on aiohttp until interrupted."""
    from aiohttp import ClientSession, web

    async def handle(request: web.Request) -> web.Response:
        actions = actions_of(await request.read())
        calls: list[tuple[str, dict[str, str], bytes]] = []
        send_callbacks(request.headers, actions,  # the CIMultiDictProxy itself
                       lambda url, headers, data: calls.append((url, headers, data)))
        async with ClientSession() as session:
            for url, headers, data in calls:
                async with session.post(url, data=data, headers=headers) as response:
                    await response.read()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    web.run_app(app, host=host, port=port, print=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=("http.server", "aiohttp"), default="http.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    if args.framework == "aiohttp":
        run_aiohttp(args.host, args.port)
        return
    server = make_http_server(args.host, args.port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
