#!/usr/bin/python3
"""One signed call of the platform's /api/v1 for tests/test_device_lock_e2e.sh
(card-device locking, docs/device-lock.md), with the signature and token of
tests/platform_client.py (written from docs/api-signature.md):
  device_lock_client.py PORT CA_FILE APP_ID SECRET_FILE METHOD PATH [BODY]
Gets a token, makes the call with it, prints "STATUS" then the JSON body on
one line (or "{}" when empty). Exit 0 whenever an answer came."""
import http.client
import json
import os
import ssl
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from platform_client import call  # noqa: E402


def main():
    port, ca_file, app_id, secret_file, method, path = sys.argv[1:7]
    body = sys.argv[7] if len(sys.argv) > 7 else None
    with open(secret_file, encoding="utf-8") as f:
        secret = f.read().strip()
    context = ssl.create_default_context(cafile=ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", int(port), context=context, timeout=20)
    status, _, token, _ = call(conn, "POST", "/api/v1/auth/token", None,
                               json.dumps({"appId": app_id, "appSecret": secret}), app_id, secret)
    if status != 200:
        print(status)
        print(json.dumps(token))
        return
    status, _, answer, _ = call(conn, method, path, None, body, app_id, secret,
                                bearer=token["accessToken"])
    print(status)
    print(json.dumps(answer if answer is not None else {}))


if __name__ == "__main__":
    main()
