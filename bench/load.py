"""Load benchmark: many clients searching a running ``kb serve`` at once, with /health watched meanwhile.

    python -m bench.load --clients 8 --seconds 60 [--url URL | --torch-threads 2,1] [--store DIR] [--json OUT]

With ``--url`` the server there is loaded as it is. Without it, ``kb serve`` is started in a child process
once per value of ``--torch-threads`` (its ``KB_MODEL__TORCH_THREADS``), on a free loopback port, over the
store folder ``--store`` (its own temporary folder if not given; an empty folder gets the corpus ingested by
the server's first start, which is not measured); the values run one after the other on the same store, so
list them twice in mirrored order (``2,1,1,2``) to even out a change of load from other work.

Each client is a thread with its own keep-alive HTTP connection (stdlib ``http.client``) sending
``POST /search`` (hybrid, the API's default) with the gold questions in turn, each client starting at another
question, back to back for ``--seconds``. One more thread calls ``GET /health`` every ``--health-every``
seconds on its own connection: /health must stay fast (target 50 ms) while searches queue. Reported per
run: requests, errors (non-200 or transport error), throughput, latency p50 / p95 / max, and the same for
/health. The last line is ``load: <clients> clients x <s> s: ...`` for the last run.
"""

from __future__ import annotations

import os

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from bench import REPO_ROOT, busy_warning, free_port, loadavg, machine_info, stop_server, write_json

HOST = "127.0.0.1"
QUESTIONS_FILE = REPO_ROOT / "eval" / "gold" / "questions.jsonl"
MAX_CLIENTS = 64
MAX_SECONDS = 3600
START_TIMEOUT_S = 900  # the first start of an empty store ingests the corpus
HEALTH_TARGET_MS = 50.0
WARMUP_REQUESTS = 4


@dataclass
class Samples:
    """Latencies (ms) of successful calls and what went wrong with the others."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self, seconds: float) -> dict[str, Any]:
        lat = np.asarray(self.latencies_ms or [float("nan")])
        return {
            "requests": len(self.latencies_ms) + sum(self.errors.values()),
            "ok": len(self.latencies_ms),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "per_second": round(len(self.latencies_ms) / seconds, 2),
            "p50_ms": round(float(np.percentile(lat, 50)), 1),
            "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "max_ms": round(float(lat.max()), 1),
        }


def questions() -> list[str]:
    """The gold questions (Dutch and English, answerable or not), in file order."""
    lines = QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


# --- HTTP ------------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects after a transport error."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if data is not None else {}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def timed_call(client: Client, samples: Samples, method: str, path: str, body: dict[str, Any] | None) -> None:
    started = time.perf_counter()
    try:
        status, _ = client.call(method, path, body)
    except (OSError, http.client.HTTPException) as exc:
        samples.error(type(exc).__name__)
        return
    elapsed = (time.perf_counter() - started) * 1000
    if status == 200:
        samples.latencies_ms.append(elapsed)
    else:
        samples.error(f"HTTP {status}")


def load(host: str, port: int, clients: int, seconds: float, health_every: float) -> dict[str, Any]:
    """``clients`` threads searching for ``seconds``, one thread watching /health; the figures."""
    qs = questions()
    for q in qs[:WARMUP_REQUESTS]:  # not measured: first requests build caches
        Client(host, port, 120).call("POST", "/search", {"query": q})
    search = [Samples() for _ in range(clients)]
    health = Samples()
    start = threading.Barrier(clients + 2)
    deadline = [0.0]

    def searcher(i: int) -> None:
        client = Client(host, port, 120)
        start.wait()
        k = i * (len(qs) // clients)
        while time.perf_counter() < deadline[0]:
            timed_call(client, search[i], "POST", "/search", {"query": qs[k % len(qs)]})
            k += 1
        client.close()

    def watcher() -> None:
        client = Client(host, port, 30)
        start.wait()
        while time.perf_counter() < deadline[0]:
            timed_call(client, health, "GET", "/health", None)
            time.sleep(health_every)
        client.close()

    threads = [threading.Thread(target=searcher, args=(i,), daemon=True) for i in range(clients)]
    threads.append(threading.Thread(target=watcher, daemon=True))
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join(timeout=seconds + 180)
    elapsed = time.perf_counter() - began
    merged = Samples()
    for s in search:
        merged.latencies_ms += s.latencies_ms
        for kind, n in s.errors.items():
            merged.errors[kind] = merged.errors.get(kind, 0) + n
    return {
        "seconds": round(elapsed, 1),
        "search": merged.summary(elapsed),
        "health": health.summary(elapsed),
    }


# --- the server --------------------------------------------------------------------------------------


def start_server(port: int, store: Path, torch_threads: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``kb serve`` on ``port`` over ``store`` with ``torch_threads`` (a child process of this one)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QDRANT_URL", "KB_QDRANT_URL")}
    env |= {
        "KB_STORE__QDRANT_PATH": str(store),
        "KB_MODEL__TORCH_THREADS": str(torch_threads),
        "HAYSTACK_TELEMETRY_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    code = "from kb_api.cli import app; app(prog_name='kb')"
    cmd = [sys.executable, "-c", code, "serve", "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log:
        return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(
    host: str, port: int, proc: subprocess.Popen[bytes] | None, log_path: Path | None
) -> dict[str, Any]:
    """Wait until /health answers ok with passages; the health body."""
    client = Client(host, port, 10)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise SystemExit(f"the server stopped (exit {proc.returncode}):\n{tail}")
        try:
            status, body = client.call("GET", "/health")
            info = json.loads(body)
            if status == 200 and info.get("passages"):
                client.close()
                return dict(info)
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(1.0)
    raise SystemExit(f"the server did not become ready within {START_TIMEOUT_S} s")


def server_run(args: argparse.Namespace, store: Path, threads: int, log_dir: Path) -> dict[str, Any]:
    """Start ``kb serve`` with ``threads`` torch threads, load it, stop it."""
    port = free_port()
    log_path = log_dir / f"serve-{threads}-{port}.log"
    started = time.perf_counter()
    proc = start_server(port, store, threads, log_path)
    try:
        info = wait_ready(HOST, port, proc, log_path)
        ready_s = time.perf_counter() - started
        print(f"  kb serve, torch threads {threads}: ready in {ready_s:.0f} s ({info['passages']} passages)")
        result = load(HOST, port, args.clients, args.seconds, args.health_every)
    finally:
        stop_server(proc)
    failures = server_errors(log_path)
    if failures:
        print(f"  the server logged {len(failures)} errors; the first:\n{failures[0]}")
    return (
        {"torch_threads": threads, "ready_s": round(ready_s, 1), "store": info}
        | result
        | {"server_errors": failures}
    )


def server_errors(log_path: Path) -> list[str]:
    """The tracebacks and error lines the server logged (the reason for a 500 or a dropped connection)."""
    blocks: list[list[str]] = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(("ERROR", "Traceback", "CRITICAL")):
            blocks.append([line])
        elif blocks and (line.startswith((" ", "\t")) or not line.startswith(("INFO", "WARNING"))):
            blocks[-1].append(line)
    return ["\n".join(b[-40:]) for b in blocks]


def report_line(run: dict[str, Any]) -> str:
    s, h = run["search"], run["health"]
    label = f"torch threads {run['torch_threads']}" if run.get("torch_threads") else run.get("url", "")
    return (
        f"{label:>16}: {s['requests']:>5} requests, {s['errors']} errors, {s['per_second']:5.2f}/s, "
        f"p50 {s['p50_ms']:7.1f} ms, p95 {s['p95_ms']:7.1f} ms, max {s['max_ms']:7.1f} ms | /health "
        f"{h['ok']} calls, {h['errors']} errors, p50 {h['p50_ms']:.1f} ms, p95 {h['p95_ms']:.1f} ms, "
        f"max {h['max_ms']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent search clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument("--url", help="load this running server instead of starting one")
    parser.add_argument(
        "--torch-threads", default="1", help="comma-separated torch thread counts, one server run each"
    )
    parser.add_argument("--store", type=Path, help="store folder for the started servers (kept)")
    parser.add_argument("--health-every", type=float, default=0.25, help="seconds between /health calls")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--clients 1..{MAX_CLIENTS}, --seconds 1..{MAX_SECONDS}")

    load_before = loadavg()
    runs: list[dict[str, Any]] = []
    print(
        f"bench.load: {args.clients} clients x {args.seconds:.0f} s of POST /search, /health every {args.health_every} s"
    )
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or HOST, parts.port or 80
        info = wait_ready(host, port, None, None)
        runs.append(
            {"url": args.url, "store": info} | load(host, port, args.clients, args.seconds, args.health_every)
        )
        print(report_line(runs[-1]))
    else:
        work = Path(tempfile.mkdtemp(prefix="via-load-"))  # server logs, and the store if none is given
        store = args.store or work / "qdrant"
        try:
            for threads in (int(t) for t in args.torch_threads.split(",")):
                runs.append(server_run(args, store, threads, work))
                print(report_line(runs[-1]))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    summary = {
        "clients": args.clients,
        "seconds": args.seconds,
        "health_every_s": args.health_every,
        "runs": runs,
        "machine": machine_info(load_before),
    }
    write_json(summary, args.json)
    busy_warning(summary["machine"], "latencies are inflated; compare runs made back to back")
    last = runs[-1]
    h = last["health"]
    print(
        f"load: {args.clients} clients x {args.seconds:.0f} s: {last['search']['requests']} requests, "
        f"{last['search']['errors']} errors, p50 {last['search']['p50_ms']:.0f} ms, p95 "
        f"{last['search']['p95_ms']:.0f} ms; /health p95 {h['p95_ms']:.1f} ms "
        f"({'within' if h['p95_ms'] <= HEALTH_TARGET_MS else 'above'} {HEALTH_TARGET_MS:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
