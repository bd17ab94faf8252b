#!/usr/bin/python3
"""An independent client of the platform's /api/v1 (Python standard
library only: http.client, ssl, hmac, hashlib), written from
docs/api-signature.md and docs/api-errors.md, for tests/test_platform_serve.sh:
  platform_client.py PORT CA_FILE APP_ID APP_SECRET [KEY_FILE]
Gets a token, pings with it, then checks that a replayed nonce and a wrong
secret are refused with the documented codes. With KEY_FILE (the key of the
certificate in CA_FILE), also runs an HTTPS receiver with that certificate,
registers it as a callback, creates an order (EID check digits computed
here, GSMA SGP.29 section 10) and waits for the signed order.accepted event,
verifying its HMAC from docs/api-callbacks.md. Prints "ok" on success."""
import hashlib
import hmac
import http.client
import json
import os
import secrets
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from platform_signature_crosscheck import canonical_query  # noqa: E402


def call(conn, method, path, query, body, app_id, secret, bearer=None, nonce=None):
    timestamp = str(int(time.time()))
    nonce = nonce or secrets.token_urlsafe(16)
    payload = body.encode("utf-8") if body is not None else b""
    canonical = b"\n".join([
        b"AW-HMAC-SHA256", method.encode(), path.encode(), canonical_query(query),
        app_id.encode(), timestamp.encode(), nonce.encode(),
        hashlib.sha256(payload).hexdigest().encode(),
    ])
    headers = {
        "X-AW-AppId": app_id,
        "X-AW-Timestamp": timestamp,
        "X-AW-Nonce": nonce,
        "X-AW-Signature": hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest(),
    }
    if bearer is not None:
        headers["Authorization"] = "Bearer " + bearer
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path + ("?" + query if query else ""),
                 body=payload if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, response.getheader("X-Request-Id"), json.loads(data) if data else None, nonce


def expect(condition, what):
    if not condition:
        print("FAIL: " + what)
        sys.exit(1)


def expect_error(result, status, code):
    got_status, request_id, body, _ = result
    expect(got_status == status, f"status {got_status}, wanted {status}: {body}")
    expect(set(body) == {"code", "message", "requestId"}, f"error body shape: {body}")
    expect(body["code"] == code, f"code {body['code']}, wanted {code}")
    expect(body["requestId"] == request_id, "requestId differs from X-Request-Id")


def eid_with_check_digits(digits30):
    """SGP.29 10: append "00", take the value mod 97, check digits 98 - r."""
    return digits30 + "%02d" % (98 - int(digits30 + "00") % 97)


def signature_of(method, path, query, headers, body, secret):
    canonical = b"\n".join([
        b"AW-HMAC-SHA256", method.encode(), path.encode(), canonical_query(query),
        headers["X-AW-AppId"].encode(), headers["X-AW-Timestamp"].encode(),
        headers["X-AW-Nonce"].encode(), hashlib.sha256(body).hexdigest().encode(),
    ])
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


def check_callbacks(conn, ca_file, key_file, app_id, secret, access):
    hook_secret = secrets.token_hex(32)
    received = []
    done = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            path, _, query = self.path.partition("?")
            good = hmac.compare_digest(
                signature_of("POST", path, query, self.headers, body, hook_secret),
                self.headers["X-AW-Signature"])
            received.append((good, self.headers["X-AW-Event-Type"], json.loads(body)))
            self.send_response(200 if good else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            done.set()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "https://127.0.0.1:%d/hook?source=airwrite" % server.server_address[1]
    status, _, body, _ = call(conn, "POST", "/api/v1/callbacks", None,
                              json.dumps({"url": url, "secret": hook_secret,
                                          "events": ["order.accepted"]}),
                              app_id, secret, bearer=access)
    expect(status == 200, f"register callback: {status} {body}")
    eid = eid_with_check_digits("89049032" + "%022d" % secrets.randbelow(10 ** 22))
    status, _, order, _ = call(conn, "POST", "/api/v1/orders", None,
                               json.dumps({"eids": [eid], "profileType": "serve-test"}),
                               app_id, secret, bearer=access)
    expect(status == 200, f"order: {status} {order}")
    expect(done.wait(20), "no callback arrived")
    server.shutdown()
    good, event_type, event = received[0]
    expect(good, "callback signature does not verify")
    expect(event_type == "order.accepted" and event["type"] == "order.accepted", f"event {event}")
    expect(event["data"]["orderId"] == order["orderId"], f"event data {event}")


def main():
    port, ca_file, app_id, secret = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    key_file = sys.argv[5] if len(sys.argv) > 5 else None
    context = ssl.create_default_context(cafile=ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", int(port), context=context, timeout=10)
    status, request_id, body, _ = call(conn, "POST", "/api/v1/auth/token", None,
                                       json.dumps({"appId": app_id, "appSecret": secret}),
                                       app_id, secret)
    expect(status == 200, f"token: {status} {body}")
    expect(len(request_id) == 32, "X-Request-Id")
    access = body["accessToken"]
    expect(body["tokenType"] == "Bearer" and body["expiresIn"] > 0, f"token body {body}")
    status, _, body, nonce = call(conn, "GET", "/api/v1/ping", "b=2&a=1&a", None, app_id, secret,
                                  bearer=access)
    expect(status == 200, f"ping: {status} {body}")
    expect(body["appId"] == app_id, f"ping body {body}")
    # the same nonce again, freshly signed: a replay
    expect_error(call(conn, "GET", "/api/v1/ping", None, None, app_id, secret, bearer=access,
                      nonce=nonce), 401, "I2006")
    expect_error(call(conn, "GET", "/api/v1/ping", None, None, app_id, "0" * 64, bearer=access),
                 401, "I2004")
    expect_error(call(conn, "GET", "/api/v1/ping", None, None, app_id, secret), 401, "I2101")
    if key_file is not None:
        check_callbacks(conn, ca_file, key_file, app_id, secret, access)
    print("ok")


if __name__ == "__main__":
    main()
