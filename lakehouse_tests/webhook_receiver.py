"""A Slack-style incoming webhook for tests: a real HTTP server on a free loopback port that records each JSON body
POSTed to it. ``delay_s`` makes it slow and ``status`` makes it refuse, as a receiver in trouble would."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookReceiver:
    def __init__(self, *, delay_s: float = 0.0, status: int = 200):
        self.posts: list[Any] = []
        self._delay_s, self._status = delay_s, status
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.posts.append(json.loads(body))
                time.sleep(receiver._delay_s)
                self.send_response(receiver._status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test asserts on the posts, not on an access log in its output

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/lakehouse"

    def texts(self) -> list[str]:
        with self._lock:
            return [post["text"] for post in self.posts]

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
