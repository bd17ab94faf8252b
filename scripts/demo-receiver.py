#!/usr/bin/python3
"""The demo's callback receiver: an HTTPS server (Python standard library
only) that takes the platform's signed event POSTs (docs/api-callbacks.md),
verifies each signature over the exact body with the callback's secret
(docs/api-signature.md, docs/api-callbacks.md: AW-HMAC-SHA256 for an app of
the international suite, AW-HMAC-SM3 for a domestic one; the header naming
another scheme is refused), deduplicates on eventId and keeps counts per
event type in a JSON file the demo reads.

  demo-receiver.py CERT KEY SECRET_FILE PORT_FILE COUNTS_FILE [SUITE]

Listens on 127.0.0.1, an ephemeral port written to PORT_FILE; runs until
killed. A request whose signature does not verify is answered 401 and
counted as "refused"."""
import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True

cert, key, secret_file, port_file, counts_file = sys.argv[1:6]
suite = sys.argv[6] if len(sys.argv) > 6 else "international"
# SM3 through the standard library's OpenSSL (GB/T 32905)
scheme, digest = {"international": ("AW-HMAC-SHA256", "sha256"),
                  "domestic": ("AW-HMAC-SM3", "sm3")}[suite]
with open(secret_file, encoding="ascii") as f:
    secret = f.read().strip().encode()
counts = {}
seen = set()
lock = threading.Lock()


def save():
    tmp = counts_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        json.dump(counts, f)
    os.replace(tmp, counts_file)


class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if 0 <= length <= 1 << 20 else b""
        path, _, query = self.path.partition("?")
        # the canonical string of docs/api-signature.md; the registered URL
        # has no query, so the canonical query is empty
        canonical = "\n".join([
            scheme, "POST", path, query,
            self.headers.get("X-AW-AppId", ""), self.headers.get("X-AW-Timestamp", ""),
            self.headers.get("X-AW-Nonce", ""), hashlib.new(digest, body).hexdigest()])
        expected = hmac.new(secret, canonical.encode(), digest).hexdigest()
        given = self.headers.get("X-AW-Signature", "").lower()
        named = self.headers.get("X-AW-Signature-Algorithm", "") == scheme
        fresh = abs(time.time() - int(self.headers.get("X-AW-Timestamp", "0") or 0)) <= 300
        with lock:
            if not (hmac.compare_digest(expected, given) and named and fresh):
                counts["refused"] = counts.get("refused", 0) + 1
                save()
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            if event["eventId"] not in seen:
                seen.add(event["eventId"])
                counts[event["type"]] = counts.get(event["type"], 0) + 1
                save()
        self.send_response(204)
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_2
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
save()
with open(port_file + ".tmp", "w", encoding="ascii") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
