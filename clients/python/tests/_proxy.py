"""A proxy in front of the server that forwards requests but drops chosen answers,
as a flaky network does after the server has already acted on a request."""

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class DroppingProxy:
    def __init__(self, upstream, drop):
        """`drop(method, path, count)` says whether to drop the answer to the count-th request."""
        target = urllib.parse.urlparse(upstream)
        proxy = self
        self.count = 0
        self.dropped = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "content-length")}
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
                connection.close()
                proxy.count += 1
                if drop(self.command, self.path, proxy.count):
                    # The server has acted; the client never hears of it.
                    proxy.dropped += 1
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() in ("content-type", "content-length"):
                        self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
