"""Attachments: memory of a send uploading a 100 MB attachment stays flat (issue 17).

A feature whose one attachment is a 1 MB, then a 10 MB, then a 100 MB file is sent through the template's
real send handler (in-process, local gateway, moto from ``template.yaml``) to the Jira simulator (Cloud),
which streams uploads to disk. The file comes from a local HTTP server that generates it in 64 KB chunks
(nothing holds it), so what grows with the file is only what the send itself holds: the download is read
chunk by chunk straight into the multipart upload (``aha_jira/jira/multipart.py``).

Measured for each size, in this one process (server, simulator and send alike):

- **traced peak**: ``tracemalloc``'s peak of Python allocations during the send, over what was traced
  before it;
- **RSS high-water growth**: ``VmHWM`` (the process's peak resident set) after the send minus before it
  (the high-water mark only rises, so the sizes are sent smallest first).

Target: the 100 MB send's traced peak stays under 16 MB and within 2x the 1 MB send's (flat: independent of
the file's size). Run: ``python -m bench.attachment_memory`` (``make bench`` runs it).
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aha_jira_dev.integration_bodies import integration_body
from bench import _report
from bench._send_stack import BenchStack, bench_stack

MB = 1024 * 1024
SIZES = (1 * MB, 10 * MB, 100 * MB)
CHUNK = 64 * 1024
PEAK_LIMIT = 16 * MB
FLAT_RATIO = 2.0


def _serve(sizes: dict[str, int]) -> ThreadingHTTPServer:
    block = b"a" * CHUNK

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            return

        def do_GET(self) -> None:
            size = sizes.get(self.path.split("?", 1)[0])
            if size is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            left = size
            while left > 0:
                piece = block if left >= CHUNK else block[:left]
                self.wfile.write(piece)
                left -= len(piece)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _high_water() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _feature(reference: str, url: str, size: int) -> dict[str, Any]:
    return {
        "reference_num": reference,
        "name": f"Big attachment {size // MB} MB",
        "description": {"body": "<p>The recording is attached.</p>"},
        "attachments": [
            {
                "id": reference,
                "download_url": url,
                "file_name": f"recording-{size // MB}mb.bin",
                "file_size": size,
            }
        ],
        "requirements": [],
    }


def _measure(stack: BenchStack, url: str, size: int, reference: str) -> dict[str, Any]:
    tracemalloc.reset_peak()
    before_traced = tracemalloc.get_traced_memory()[0]
    before_rss = _high_water()
    started = time.perf_counter()
    status, answer = stack.call(
        "POST", f"/integrations/memory/features/{reference}/send", {"feature": _feature(reference, url, size)}
    )
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - before_traced
    uploaded = [c for c in stack.sim.calls if c["method"] == "POST" and c["path"].endswith("/attachments")]
    return {
        "size": size,
        "status": status,
        "warnings": [w["code"] for w in (answer or {}).get("warnings", [])],
        "traced_peak": peak,
        "rss_growth": _high_water() - before_rss,
        "seconds": seconds,
        "uploaded_bytes": uploaded[-1]["body"]["bytes"] if uploaded else 0,
    }


def main() -> int:
    sizes = {f"/files/{size // MB}mb.bin": size for size in SIZES}
    server = _serve(sizes)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with bench_stack() as stack:
            status, _ = stack.call("PUT", "/integrations/memory", integration_body(stack.sim, name="Memory"))
            assert status == 201
            status, report = stack.call("POST", "/integrations/memory/test-connection")
            assert status == 200 and report["ok"], report
            # Warm up (imports, clients), then measure from the smallest file up.
            _measure(stack, f"{base}/files/1mb.bin", 1 * MB, "MOB-900")
            tracemalloc.start(1)
            rows = [
                _measure(stack, f"{base}/files/{size // MB}mb.bin", size, f"MOB-{901 + index}")
                for index, size in enumerate(SIZES)
            ]
            tracemalloc.stop()
    finally:
        server.shutdown()
        server.server_close()
    print("Attachment upload memory: one send per file size, download streamed into the upload\n")
    print("| file | status | uploaded bytes | traced peak | RSS high-water growth | seconds |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['size'] // MB} MB | {row['status']} | {row['uploaded_bytes']} | {row['traced_peak'] / MB:.2f} MB "
            f"| {row['rss_growth'] / MB:.2f} MB | {row['seconds']:.1f} |"
        )
    small, big = rows[0], rows[-1]
    ratio = big["traced_peak"] / max(small["traced_peak"], 1)
    ok = (
        all(
            row["status"] == 200 and not row["warnings"] and row["uploaded_bytes"] > row["size"]
            for row in rows
        )
        and big["traced_peak"] < PEAK_LIMIT
        and ratio <= FLAT_RATIO
    )
    _report.figure(
        "Attachments",
        "Memory of a send uploading a 100 MB attachment: traced peak (and RSS high-water growth)",
        f"{big['traced_peak'] / MB:.2f} MB ({ratio:.2f}x the 1 MB send's {small['traced_peak'] / MB:.2f} MB; "
        f"RSS high-water +{big['rss_growth'] / MB:.1f} MB)",
        f"< {PEAK_LIMIT // MB} MB and ≤ {FLAT_RATIO:.0f}x the 1 MB send's",
        ok,
    )
    print(
        f"\nFlat: the 100 MB send's traced peak is {ratio:.2f}x the 1 MB send's: "
        + ("met." if ok else "NOT met.")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
