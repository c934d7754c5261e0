#!/usr/bin/env python3
"""The baseline for benches/onboard.sh: what a studio engineer would write from APIMart's docs.

One call after another: create the verification session, read its H5 link, wait for the
phone's redirect on a small local callback server, ask for the result (the group id), upload
each photo as it is (no decoding, one at a time), submit them in requests of 20, and read the
review every 2 seconds until it ends. Python's standard library only.

    baseline_onboard.py --base-url URL --key KEY PHOTO...

Prints one JSON line: {"qr_s": ..., "wall_s": ..., "uploads": n, "approved": n}.
"""

import argparse
import http.server
import json
import mimetypes
import os
import threading
import time
import urllib.request
import uuid


def call(base, key, method, path, body=None, headers=None):
    data = None
    hdrs = {"Authorization": "Bearer " + key}
    if body is not None and not isinstance(body, bytes):
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    elif body is not None:
        data = body
    hdrs.update(headers or {})
    req = urllib.request.Request(base + path, data=data, method=method, headers=hdrs)
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def upload(base, key, path):
    boundary = uuid.uuid4().hex
    name = os.path.basename(path)
    ctype = mimetypes.guess_type(name)[0] or "image/jpeg"
    with open(path, "rb") as f:
        content = f.read()
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        f"Content-Type: {ctype}\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    answer = call(base, key, "POST", "/v1/uploads/images", body,
                  {"Content-Type": "multipart/form-data; boundary=" + boundary})
    return answer.get("url") or answer.get("data", {}).get("url")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    base, key = args.base_url.rstrip("/"), args.key
    started = time.monotonic()

    done = threading.Event()

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"Done, please return to the desk.")
            done.set()

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{server.server_address[1]}/cb"

    task = call(base, key, "POST", "/v1/seedance2/real-avatar",
                {"callback_url": callback, "project_name": "default"})["data"]["id"]
    result = call(base, key, "GET", f"/v1/tasks/{task}")["data"]["result"]
    qr_s = time.monotonic() - started
    print("scan:", result["h5_link"], flush=True)
    if not done.wait(600):
        raise SystemExit("the phone never finished")
    verified = call(base, key, "POST", "/v1/seedance2/real-avatar",
                    {"byted_token": result["byted_token"], "project_name": "default"})["data"]
    group = verified["group_id"]

    assets = []
    for p in args.photos:
        assets.append({"url": upload(base, key, p),
                       "name": os.path.splitext(os.path.basename(p))[0]})
    tasks = []
    for i in range(0, len(assets), 20):
        tasks.append(call(base, key, "POST", "/v1/seedance2/real-avatar",
                          {"group_id": group, "project_name": "default",
                           "asset_type": "Image", "assets": assets[i:i + 20]})["data"]["id"])
    approved = 0
    for t in tasks:
        while True:
            time.sleep(2)
            data = call(base, key, "GET", f"/v1/tasks/{t}")["data"]
            if data["status"] in ("completed", "failed", "cancelled"):
                approved += len(data.get("result", {}).get("usable_assets", []))
                break
    server.shutdown()
    print(json.dumps({"qr_s": round(qr_s, 3), "wall_s": round(time.monotonic() - started, 3),
                      "uploads": len(assets), "approved": approved}))


if __name__ == "__main__":
    main()
