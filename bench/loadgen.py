"""A small load generator: threads, http.client keep-alive, bounded by count and time.

Only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def run(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    threads: int = 8,
    seconds: float = 5.0,
    max_requests: int = 100_000,
    expect: int = 200,
    hosts: Sequence[str] = (),
) -> Result:
    """``hosts``: each request names the next of them in its ``Host`` header (each thread
    starting at its own place in the list), to spread requests over many stores."""
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        ok = err = 0
        sent = headers or {}
        while time.perf_counter() < deadline and ok + err < max_requests // threads:
            if hosts:
                at = (index * len(hosts) // threads + ok + err) % len(hosts)
                sent = {**(headers or {}), "Host": hosts[at]}
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=sent)
                resp = conn.getresponse()
                resp.read()
                if resp.status == expect:
                    ok += 1
                else:
                    err += 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["err"] += err

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return Result(counts["ok"], counts["err"], time.perf_counter() - started, latencies)
