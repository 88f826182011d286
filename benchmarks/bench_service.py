"""Load run of the HTTP service on loopback, bounded in time.

Starts ``thaisme-nlp serve --workers 2`` on a free port of 127.0.0.1, then drives it with an
asyncio httpx client (8 requests in flight) for a fixed time per scenario: single-text
requests, then 64-text batches (evidence on, as a caller would ask). Prints requests/s,
statements/s, p50/p99 latency, the count of non-2xx and 5xx answers, and the servers' resident
memory at the start and the end of each scenario (memory should stay flat).

    python benchmarks/bench_service.py [--seconds 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and all its children (the uvicorn workers)."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                pids.extend(int(c) for c in children)
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total / 1024


async def scenario(base: str, payloads: list[dict], seconds: float, concurrency: int) -> dict:
    import httpx

    latencies: list[float] = []
    codes: dict[int, int] = {}
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def worker(k: int) -> None:
            i = k
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await client.post("/v1/classify", json=payloads[i % len(payloads)])
                latencies.append(time.perf_counter() - t)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                i += concurrency

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "requests_per_s": n / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(n - 1, int(0.99 * n))],
        "non_2xx": sum(v for c, v in codes.items() if not 200 <= c < 300),
        "5xx": sum(v for c, v in codes.items() if c >= 500),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import httpx

    rows = [
        json.loads(x)["text"]
        for x in (ROOT / "corpora/feedback/feedback.jsonl").open(encoding="utf-8")
    ]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHAINLP_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "thaisme_nlp.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    out = {}
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        single = [{"text": t} for t in rows]
        batches = [{"texts": rows[i : i + 64]} for i in range(0, len(rows) - 64, 64)]
        asyncio.run(scenario(base, single[:50], 2, args.concurrency))  # warm both workers
        # the batch scenario runs twice: the first grows the workers' heaps to their working
        # size, the second shows whether memory then stays flat
        for name, payloads, per in (
            ("single text", single, 1),
            ("64-text batch", batches, 64),
            ("64-text batch, again", batches, 64),
            ("64-text batch, third", batches, 64),
        ):
            before = rss_mib(proc.pid)
            res = asyncio.run(scenario(base, payloads, args.seconds, args.concurrency))
            res.update(
                rss_start_mib=before,
                rss_end_mib=rss_mib(proc.pid),
                statements_per_s=res["requests_per_s"] * per,
            )
            out[name] = res
            print(
                f"{name:<14} {res['requests']:6d} requests  {res['requests_per_s']:7.1f} req/s  "
                f"{res['statements_per_s']:7.1f} statements/s  p50 {res['p50_ms']:7.1f} ms  "
                f"p99 {res['p99_ms']:7.1f} ms  non-2xx {res['non_2xx']}  5xx {res['5xx']}  "
                f"RSS {before:.0f} -> {res['rss_end_mib']:.0f} MiB"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
