"""Web app: region dashboard latency under concurrent clients on loopback.

Starts ``kouiki serve --demo`` (its own process, a temporary data folder, 127.0.0.1, a free port), logs in
20 clients and has each request the 圏域ダッシュボード (``/regions/hirosaki``, the full HTML page with its
KPIs, members and fiscal summary) in a loop for 60 s; prints p50/p95/p99 latency, throughput and errors,
then stops the server it started. Goal: p95 < 150 ms with 0 errors.

    python -m bench web                       # 20 clients × 60 s
    python -m bench web --seconds=10 --clients=5
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

GOAL_P95_MS = 150.0
PASSWORD = "bench-demo-password"


def _arg(argv: list[str], name: str, default: int) -> int:
    for a in argv:
        if a.startswith(f"--{name}="):
            return int(a.split("=", 1)[1])
    return default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc; -1 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return -1.0


def main(argv: list[str]) -> None:
    seconds = _arg(argv, "seconds", 60)
    clients = _arg(argv, "clients", 20)
    path = "/regions/hirosaki"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="kouiki-bench-web-") as tmp:
        env = dict(os.environ, KOUIKI_DATA_DIR=tmp, KOUIKI_DEMO_PASSWORD=PASSWORD)
        env.pop("DATABASE_URL", None)
        log = Path(tmp) / "server.log"
        with log.open("w") as fh:
            server = subprocess.Popen([sys.executable, "-m", "kouiki.cli", "serve", "--demo", "--port", str(port)],
                                      env=env, stdout=fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None:
                    raise SystemExit(f"server exited early:\n{log.read_text()}")
                time.sleep(0.2)
            else:
                raise SystemExit("server did not start within 120 s")
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            stop_at = time.monotonic() + seconds

            def worker() -> None:
                with httpx.Client(base_url=base, timeout=10) as c:
                    r = c.post("/api/login", json={"username": "viewer", "password": PASSWORD})
                    if r.status_code != 200:
                        with lock:
                            errors.append(f"login {r.status_code}")
                        return
                    while time.monotonic() < stop_at:
                        t0 = time.perf_counter()
                        try:
                            resp = c.get(path)
                            ok = resp.status_code == 200 and "構成団体" in resp.text
                            note = f"HTTP {resp.status_code}"
                        except httpx.HTTPError as exc:
                            ok, note = False, type(exc).__name__
                        ms = (time.perf_counter() - t0) * 1000
                        with lock:
                            latencies.append(ms)
                            if not ok:
                                errors.append(note)

            threads = [threading.Thread(target=worker) for _ in range(clients)]
            client_cpu0 = time.process_time()
            server_cpu0 = _cpu_seconds(server.pid)
            t_start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t_start
            client_cpu = time.process_time() - client_cpu0
            server_cpu = _cpu_seconds(server.pid) - server_cpu0
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    lat = sorted(latencies)
    p95 = _percentile(lat, 95)
    print(f"region dashboard {path}: {clients} clients × {seconds} s on loopback (kouiki serve, 1 process, SQLite WAL)")
    print(f"  requests   {len(lat):>8}   throughput {len(lat) / wall:8.1f} req/s   errors {len(errors)}"
          + (f" ({', '.join(sorted(set(errors))[:3])})" if errors else ""))
    if lat:
        print(f"  latency ms p50 {_percentile(lat, 50):7.1f}   p95 {p95:7.1f}   p99 {_percentile(lat, 99):7.1f}"
              f"   mean {statistics.fmean(lat):7.1f}   max {lat[-1]:7.1f}")
    if lat and server_cpu >= 0:
        print(f"  CPU per request: server {server_cpu / len(lat) * 1000:5.2f} ms, client {client_cpu / len(lat) * 1000:5.2f} ms"
              " (both on the same CPUs)")
    if hasattr(os, "getloadavg"):
        print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (client and server share them)")
    met = bool(lat) and p95 < GOAL_P95_MS and not errors
    print(f"  goal: p95 < {GOAL_P95_MS:.0f} ms and 0 errors → {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main(sys.argv[1:])
