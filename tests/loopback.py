"""A scripted HTTP server on 127.0.0.1 for tests that drive real HTTP clients without the network.

Tests register replies per path (optionally per query parameters), point the client at
``server.netloc`` / ``server.url``, and then assert on what the server received::

    with LoopbackServer() as server:
        server.add("/search", Reply.json([{"lat": "50.45", "lon": "30.52"}]))
        server.add("/search", Reply(status=500), query={"q": "Atlantis"})
        ...  # the client under test talks to f"http://{server.netloc}/search?q=..."
        assert server.requests[0].arg("q") == "Kyiv"

Replies registered for one route are served in order and the last one repeats, so
``server.add(path, Reply(status=500), Reply.json([]))`` scripts "fail once, then answer".
A reply may also be a function of the ``Request``. ``Reply.delay`` simulates a slow server;
stopping the server cuts every pending delay short, so a test never waits for it.
Requests that match no route get a 404 with a JSON body naming the path.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP response."""

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0            # seconds to wait before answering

    @classmethod
    def json(cls, data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None,
             delay: float = 0.0) -> Reply:
        """A reply whose body is ``data`` serialised as JSON."""
        return cls(status, json.dumps(data), {"Content-Type": "application/json", **(headers or {})},
                   delay)


@dataclass(frozen=True)
class Request:
    """What the server received: the path without its query, the decoded query, headers, body."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]        # names lower-cased
    body: bytes

    def arg(self, name: str) -> str | None:
        """The first value of query parameter ``name`` (None when absent)."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Responder = Reply | Callable[[Request], Reply]


@dataclass
class _Route:
    path: str
    query: Mapping[str, str]
    replies: list[Responder]
    served: int = 0

    def matches(self, request: Request) -> bool:
        return request.path == self.path and all(
            request.arg(k) == v for k, v in self.query.items())

    def next_reply(self, request: Request) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply(request) if callable(reply) else reply


class LoopbackServer:
    """A threaded HTTP server on an ephemeral loopback port, used as a context manager."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------------------------
    def add(self, path: str, *replies: Responder, query: Mapping[str, str] | None = None) -> None:
        """Answer requests for ``path`` (whose query has these parameter values) with ``replies``.

        Routes are tried in the order they were added; the first match answers.
        """
        if not replies:
            raise ValueError("add() needs at least one reply")
        with self._lock:
            self._routes.append(_Route(path, dict(query or {}), list(replies)))

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return self._httpd.server_address[1]

    @property
    def netloc(self) -> str:
        """``127.0.0.1:PORT`` -- what geopy calls ``domain``."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}"

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> LoopbackServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        name="loopback-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler -----------------------------------------------------------------
    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self._requests.append(request)
            for route in self._routes:
                if route.matches(request):
                    return route.next_reply(request)
        return Reply.json({"error": f"no scripted reply for {request.path}"}, status=404)


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            reply = server._answer(request)
            if reply.delay and server._stopping.wait(reply.delay):
                return                    # stopped while "slow": the client has given up anyway
            body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass                      # the client timed out and hung up: expected in slow tests

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the per-request access log on stderr."""

    return Handler
