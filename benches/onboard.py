#!/usr/bin/env python3
"""Runs the app's `onboard` and the sequential baseline against one simulator process, in the
same run, and prints both times, the ratio of their overheads, the time to the QR code and
the app's peak memory. Started by benches/onboard.sh, which builds what it needs.

    onboard.py BIN PHOTOS_20_DIR PHOTOS_100_DIR
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

PHONE_S, REVIEW_S, LATENCY_MS, KEY = 5.0, 6, 300, "bench-key"
HERE = os.path.dirname(os.path.abspath(__file__))


def start_sim(binary):
    sim = subprocess.Popen(
        [binary, "sim", "--port", "0", "--key", KEY, "--latency-ms", str(LATENCY_MS),
         "--phone-secs", str(PHONE_S), "--review-secs", str(REVIEW_S)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "AVATAR_KIOSK_LOG": "warn"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = sim.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return sim, m.group(1)
    sim.kill()
    raise SystemExit("the simulator did not start")


def photos(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".jpg"))


def run_app(binary, base, files):
    data = tempfile.mkdtemp(prefix="avatar-bench-")
    cmd = ["/usr/bin/time", "-v", binary, "--data-dir", data, "--base-url", base,
           "--callback-bind", "127.0.0.1:0", "onboard", "--name", "Bench Person", "--json"] + files
    env = {**os.environ, "AVATAR_KIOSK_API_KEY": KEY, "AVATAR_KIOSK_LOG": "warn"}
    started = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    qr = None
    events = []
    for line in p.stdout:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        events.append(ev)
        if ev.get("event") == "link" and qr is None:
            qr = time.monotonic() - started
    err = p.stderr.read()
    p.wait()
    wall = time.monotonic() - started
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    done = next((e for e in events if e.get("event") == "done"), {})
    submits = sum(1 for e in events if e.get("event") == "submitted")
    return {"wall_s": wall, "qr_s": qr, "rss_mb": int(rss.group(1)) / 1024 if rss else None,
            "approved": done.get("approved"), "exit": p.returncode, "submit_requests": submits}


def run_baseline(base, files):
    out = subprocess.run([sys.executable, os.path.join(HERE, "baseline_onboard.py"),
                          "--base-url", base, "--key", KEY] + files,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    binary, dir20, dir100 = sys.argv[1:4]
    sim, base = start_sim(binary)
    try:
        twenty = photos(dir20)
        size = sum(os.path.getsize(f) for f in twenty) / 1e6
        print(f"{len(twenty)} photos, {size:.0f} MB; simulator {base}: +{LATENCY_MS} ms a request, "
              f"phone {PHONE_S:.0f} s, review {REVIEW_S} s")
        base_run = run_baseline(base, twenty)
        app = run_app(binary, base, twenty)
        app100 = run_app(binary, base, photos(dir100))
        app5 = run_app(binary, base, twenty[:5])
    finally:
        sim.terminate()
        sim.wait()
    fixed = PHONE_S + REVIEW_S
    app_over, base_over = app["wall_s"] - fixed, base_run["wall_s"] - fixed
    print(f"baseline script: {base_run['wall_s']:.1f} s (QR at {base_run['qr_s']:.2f} s), "
          f"overhead {base_over:.1f} s, approved {base_run['approved']}")
    print(f"app onboard:     {app['wall_s']:.1f} s (QR at {app['qr_s']:.2f} s), "
          f"overhead {app_over:.1f} s, approved {app['approved']}, exit {app['exit']}")
    print(f"overhead ratio app/baseline: {app_over / base_over:.2f} (goal: at most 0.33)")
    print(f"peak memory (max RSS): {app5['rss_mb']:.0f} MB for 5 photos, "
          f"{app['rss_mb']:.0f} MB for 20 (goal: at most 250), "
          f"{app100['rss_mb']:.0f} MB for 100 (goal: at most 300; {app100['wall_s']:.1f} s, "
          f"approved {app100['approved']}, exit {app100['exit']}); "
          f"100 against 5: {app100['rss_mb'] / app5['rss_mb']:.2f}")


if __name__ == "__main__":
    main()
