#!/usr/bin/env python3
"""Load client for `detect serve` (used by bench/load.sh): N concurrent clients POST images to 127.0.0.1 only.

  load_client.py --port P --images DIR_OR_LIST --levels 1,2,4,8,16 --per-level 80 --time-limit 120
  load_client.py --port P --images ... --mixed 120 --concurrency 8   (a third of the uploads are bad files)

Prints one JSON line per run: concurrency, requests, seconds, throughput (answered uploads per second),
p50/p95/p99 latency in ms, and the count of answers by status class. Standard library only.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import struct
import sys
import threading
import time
import uuid
import zlib

HOST = "127.0.0.1"  # never anything else: the benchmark must not leave the machine


def multipart(filename, content):
    boundary = "----deepguardload" + uuid.uuid4().hex
    head = ('--%s\r\nContent-Disposition: form-data; name="image"; filename="%s"\r\n'
            'Content-Type: image/png\r\n\r\n' % (boundary, filename)).encode()
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    return boundary, head + content + tail


class Client(threading.local):
    """One keep-alive connection per client thread."""

    def conn(self, port, timeout):
        c = getattr(self, "c", None)
        if c is None:
            c = self.c = http.client.HTTPConnection(HOST, port, timeout=timeout)
        return c

    def drop(self):
        c = getattr(self, "c", None)
        if c is not None:
            c.close()
        self.c = None


def post(local, port, name, content, timeout):
    boundary, body = multipart(name, content)
    t0 = time.perf_counter()
    for attempt in range(2):  # a keep-alive connection the server closed is reopened once
        try:
            c = local.conn(port, timeout)
            c.request("POST", "/api/detect", body=body,
                      headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
            r = c.getresponse()
            data = r.read()
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                local.drop()
            break
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            local.drop()
            if attempt == 1:
                raise
    ms = (time.perf_counter() - t0) * 1000
    p_fake = None
    if status == 200:
        p_fake = json.loads(data)["p_fake"]
    return status, ms, p_fake


def percentile(sorted_ms, q):
    if not sorted_ms:
        return None
    k = max(0, min(len(sorted_ms) - 1, int(round(q / 100.0 * len(sorted_ms) + 0.5)) - 1))
    return round(sorted_ms[k], 1)


def run(port, uploads, concurrency, time_limit, timeout):
    """Sends every (name, bytes) of uploads with `concurrency` clients; stops starting new ones after time_limit."""
    local = Client()
    results = []
    lock = threading.Lock()
    it = iter(uploads)
    stop_at = time.perf_counter() + time_limit

    def worker():
        while time.perf_counter() < stop_at:
            with lock:
                item = next(it, None)
            if item is None:
                return
            try:
                status, ms, p = post(local, port, item[0], item[1], timeout)
            except Exception as e:  # noqa: BLE001 - a failed connection is a result too
                status, ms, p = -1, timeout * 1000.0, None
                print("request failed: %r" % e, file=sys.stderr)
            with lock:
                results.append((item[0], status, ms, p))

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    seconds = time.perf_counter() - t0
    ok = sorted(ms for _, s, ms, _ in results if s == 200)
    counts = {}
    for _, s, _, _ in results:
        key = "200" if s == 200 else "503" if s == 503 else "4xx" if 400 <= s < 500 else str(s)
        counts[key] = counts.get(key, 0) + 1
    return {
        "concurrency": concurrency,
        "requests": len(results),
        "seconds": round(seconds, 3),
        "throughput": round(len(ok) / seconds, 2) if seconds > 0 else None,
        "p50_ms": percentile(ok, 50),
        "p95_ms": percentile(ok, 95),
        "p99_ms": percentile(ok, 99),
        "status": counts,
    }, results


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def bad_files(good, n):
    """n bad uploads in four kinds: text named .png, a truncated PNG, an empty file, a header claiming 30000x30000."""
    huge = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))
    kinds = [
        ("notes.png", b"this is a text file, not a picture\n" * 20),
        ("cut.png", good[0][1][: len(good[0][1]) * 2 // 5]),
        ("empty.png", b""),
        ("huge.png", huge),
    ]
    return [("bad%03d-%s" % (i, kinds[i % 4][0]), kinds[i % 4][1]) for i in range(n)]


def load_images(spec, limit):
    paths = []
    if os.path.isdir(spec):
        for root, _, files in sorted(os.walk(spec)):
            paths += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith((".png", ".jpg", ".jpeg"))]
    else:
        with open(spec) as f:
            paths = [line.strip() for line in f if line.strip()]
    paths = paths[:limit]
    out = []
    for p in paths:
        with open(p, "rb") as f:
            out.append((p, f.read()))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--images", required=True, help="folder of images or a file listing paths")
    ap.add_argument("--max-images", type=int, default=80)
    ap.add_argument("--levels", default="1,2,4,8,16")
    ap.add_argument("--per-level", type=int, default=80, help="uploads per concurrency level (cycled images)")
    ap.add_argument("--time-limit", type=float, default=120, help="seconds per run before no new uploads start")
    ap.add_argument("--timeout", type=float, default=60, help="seconds a single request may take")
    ap.add_argument("--mixed", type=int, default=0, help="one run of this many uploads, a third of them bad")
    ap.add_argument("--concurrency", type=int, default=8, help="clients for --mixed")
    ap.add_argument("--scores-out", help="write name<TAB>p_fake of the 200 answers of the first level here")
    a = ap.parse_args()

    good = load_images(a.images, a.max_images)
    if not good:
        sys.exit("no images under " + a.images)
    if a.mixed:
        n_bad = a.mixed // 3
        n_good = a.mixed - n_bad
        goods = [good[i % len(good)] for i in range(n_good)]
        bads = bad_files(good, n_bad)
        uploads = []
        for i in range(a.mixed):  # interleave: every third upload is bad
            uploads.append(bads.pop() if i % 3 == 2 and bads else goods.pop())
        summary, results = run(a.port, uploads, a.concurrency, a.time_limit, a.timeout)
        bad_status = sorted({s for n, s, _, _ in results if n.startswith("bad")})
        good_status = sorted({s for n, s, _, _ in results if not n.startswith("bad")})
        summary.update({"scenario": "mixed", "good": n_good, "bad": a.mixed // 3,
                        "good_statuses": good_status, "bad_statuses": bad_status})
        print(json.dumps(summary), flush=True)
        return
    first = True
    for level in [int(x) for x in a.levels.split(",")]:
        uploads = [good[i % len(good)] for i in range(a.per_level)]
        summary, results = run(a.port, uploads, level, a.time_limit, a.timeout)
        summary["scenario"] = "good"
        print(json.dumps(summary), flush=True)
        if first and a.scores_out:
            with open(a.scores_out, "w") as f:
                for name, s, _, p in results:
                    if s == 200:
                        f.write("%s\t%s\n" % (name, p))
        first = False


if __name__ == "__main__":
    main()
