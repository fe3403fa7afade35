"""API benchmark: latency and throughput of POST /search and POST /ask, and where a request's time goes.

    python -m bench.bench_api [--requests N] [--concurrency 1 8] [--json OUT]

Starts the real app (``kb_api.main.create_app``) under uvicorn in a child process, on 127.0.0.1 and a
free port, with its Qdrant store in a temporary folder; the app's lifespan ingests the corpus on this
first start. When ``/health`` answers, it sends a bounded number of requests (``--requests`` per
endpoint per concurrency level, default 40) with a fixed list of Dutch and English questions, from a
thread pool of ``concurrency`` workers, and reports p50/p95 latency and throughput.

From ``timings_ms`` in the response bodies it splits each request into query embedding (``dense``),
the Qdrant query (``retriever``), answer scoring (``reranker``: the answer scorer reading the best passages,
which re-ranks them for /search too; plus ``answer`` for /ask) and the API itself: the
client-measured latency minus those (split further into the rest of the search service - query
analysis, sparse vector, grouping, facets - and the HTTP/framework layer, latency minus ``total``).

Target, checked for /search at concurrency 1:
    median(latency - dense - retriever) <= 0.5 * median(dense + retriever)
i.e. the API adds no more than half again to the time of embedding the query plus the Qdrant query.

Only loopback traffic: Haystack's telemetry is switched off in the server and in this process.
The server is stopped at the end.
"""

from __future__ import annotations

import os

# No outbound traffic from the benchmark: Haystack would otherwise post pipeline telemetry.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import busy_warning, free_port, loadavg, machine_info, stop_server, write_json

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ENDPOINTS = ("search", "ask")
MAX_REQUESTS = 1000
MAX_CONCURRENCY = 64
WARMUP_PER_ENDPOINT = 2
TARGET_FACTOR = 0.5

# Realistic questions about the corpus (ViA policy in Noordoost-Brabant and Arnhem-Achterhoek, plus
# the Zevenaar parking documents), Dutch and English, a few as bare keywords.
QUESTIONS = [
    "Welke acties krijgen geen prioriteit?",
    "Hoeveel uur levert Boekel aan de werkgroep?",
    "Which region has Arnhem and Doetinchem as centrumgemeente?",
    "Wat is het totale jaarbudget van de DUVO- en POK-middelen?",
    "Hoeveel meldingen ontving Veilig Thuis uit de regio's Arnhem en Achterhoek?",
    "Waarom is de werkgroep in 2024 stopgezet?",
    "What does the centrumgemeente 's-Hertogenbosch reimburse in 2023?",
    "Wat houdt het Koersplan Veiligheid in Afhankelijkheidsrelaties in?",
    "Welke gemeenten horen bij de regio Arnhem-Achterhoek?",
    "Voor welke periode is de regiovisie Samen Veilig herijkt?",
    "What is the role of Veilig Thuis?",
    "Wordt de Kampsingel toegevoegd aan de zone voor vergunninghouders?",
    "Blijft een papieren parkeervergunning mogelijk voor zorginstellingen?",
    "In how many families does domestic violence not stop for good, according to Verwey-Jonker?",
    "Wat is de rol van de lokale teams bij huiselijk geweld?",
    "Hoe wordt de aanpak van huiselijk geweld en kindermishandeling gefinancierd?",
    "What are the goals of the stappenplan 2026-2030?",
    "Wat doet de regio tegen ouderenmishandeling?",
    "pilot tweede uur gratis parkeren",
    "mensenhandel plegeraanpak",
    "When did Boekel send the koersplan to the council?",
]


# --- server (child process) ----------------------------------------------------------------------
def serve(port: int, qdrant_path: Path) -> None:
    """Run the real app on 127.0.0.1:port with its store in qdrant_path (the child process)."""
    import uvicorn

    from kb_api.main import create_app
    from kb_core.settings import Settings

    settings = Settings(qdrant_path=qdrant_path, qdrant_url=None)
    app = create_app(settings)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


def start_server(port: int, qdrant_path: Path, log_path: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HAYSTACK_TELEMETRY_ENABLED="False", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "bench.bench_api", "--serve", "--port", str(port)]
    cmd += ["--qdrant-path", str(qdrant_path)]
    log = log_path.open("wb")
    try:
        return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()  # the child holds its own handle


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_for_health(
    client: httpx.Client, proc: subprocess.Popen[bytes], timeout: float, log_path: Path
) -> dict[str, Any]:
    """Poll /health until it answers 200 with passages (the lifespan ingests first), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}:\n{_tail(log_path)}")
        try:
            response = client.get("/health", timeout=5)
            if response.status_code == 200 and response.json().get("passages", 0) > 0:
                return dict(response.json())
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not become healthy within {timeout:.0f} s:\n{_tail(log_path)}")


# --- load ----------------------------------------------------------------------------------------
def body_for(endpoint: str, question: str) -> dict[str, Any]:
    return {"query": question} if endpoint == "search" else {"question": question}


def one_request(client: httpx.Client, endpoint: str, question: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = client.post(f"/{endpoint}", json=body_for(endpoint, question))
        latency = (time.perf_counter() - started) * 1000
        status = response.status_code
        data = response.json() if status == 200 else {}
        error = None if status == 200 else response.text[:300]
    except httpx.HTTPError as exc:
        latency = (time.perf_counter() - started) * 1000
        status, data, error = 0, {}, f"{type(exc).__name__}: {exc}"
    record: dict[str, Any] = {
        "question": question,
        "status": status,
        "latency_ms": latency,
        "timings_ms": data.get("timings_ms", {}),
    }
    if endpoint == "search":
        record["results"] = data.get("total")
    else:
        record["answerable"] = data.get("answerable")
    if error:
        record["error"] = error
    return record


def run_level(client: httpx.Client, endpoint: str, requests: int, concurrency: int) -> dict[str, Any]:
    """``requests`` requests to one endpoint from ``concurrency`` workers; returns records and wall time."""
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(requests)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        records = list(pool.map(lambda q: one_request(client, endpoint, q), questions))
    wall = time.perf_counter() - started
    return {"endpoint": endpoint, "concurrency": concurrency, "wall_seconds": wall, "records": records}


# --- figures -------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def breakdown(record: dict[str, Any]) -> dict[str, float]:
    """One request's time, in ms: dense, retriever, answer, api (= rest), split into service_other and http."""
    t = record["timings_ms"]
    dense = float(t.get("dense", 0.0))
    retriever = float(t.get("retriever", 0.0))
    # The answer scorer reads the best passages in the search pipeline (``reranker``, also for /search) and
    # /ask decides from its scores (``answer``): both are answer work, not API overhead.
    answer = float(t.get("answer", 0.0)) + float(t.get("reranker", 0.0))
    total = float(t.get("total", dense + retriever + answer))
    latency = record["latency_ms"]
    return {
        "latency": latency,
        "dense": dense,
        "retriever": retriever,
        "answer": answer,
        "api": latency - dense - retriever - answer,
        "service_other": total - dense - retriever - answer,
        "http": latency - total,
    }


def summarise_level(level: dict[str, Any]) -> dict[str, Any]:
    ok = [r for r in level["records"] if r["status"] == 200 and r["timings_ms"]]
    parts = [breakdown(r) for r in ok]
    latencies = [p["latency"] for p in parts]
    total_latency = sum(latencies) or 1.0
    shares = {
        k: sum(p[k] for p in parts) / total_latency
        for k in ("dense", "retriever", "answer", "api", "service_other", "http")
    }
    medians = {
        k: (statistics.median(p[k] for p in parts) if parts else float("nan"))
        for k in ("latency", "dense", "retriever", "answer", "api", "service_other", "http")
    }
    errors = [r for r in level["records"] if r["status"] != 200]
    out: dict[str, Any] = {
        "endpoint": level["endpoint"],
        "concurrency": level["concurrency"],
        "requests": len(level["records"]),
        "ok": len(ok),
        "errors": len(errors),
        "error_samples": [{"status": r["status"], "error": r.get("error")} for r in errors[:3]],
        "wall_seconds": level["wall_seconds"],
        "throughput_rps": len(ok) / level["wall_seconds"] if level["wall_seconds"] else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "mean_ms": statistics.fmean(latencies) if latencies else float("nan"),
        "share": shares,
        "median_ms": medians,
    }
    if level["endpoint"] == "ask":
        out["answered"] = sum(1 for r in ok if r.get("answerable"))
    return out


def target_check(levels: list[dict[str, Any]]) -> dict[str, Any] | None:
    """/search at concurrency 1: median(latency - dense - retriever) <= 0.5 * median(dense + retriever)."""
    level = next((x for x in levels if x["endpoint"] == "search" and x["concurrency"] == 1), None)
    if level is None:
        return None
    parts = [breakdown(r) for r in level["records"] if r["status"] == 200 and r["timings_ms"]]
    if not parts:
        return None
    overhead = statistics.median(p["latency"] - p["dense"] - p["retriever"] for p in parts)
    core = statistics.median(p["dense"] + p["retriever"] for p in parts)
    limit = TARGET_FACTOR * core
    return {
        "median_api_overhead_ms": overhead,
        "median_dense_plus_retriever_ms": core,
        "limit_ms": limit,
        "ratio": overhead / core if core else float("inf"),
        "passed": overhead <= limit,
    }


def print_report(summary: dict[str, Any]) -> None:
    m = summary["machine"]
    print()
    print(
        f"API benchmark - {summary['date']} - code {m['code']} - {m['cpus']} CPUs"
        f"{' (OMP_NUM_THREADS=' + m['omp_num_threads'] + ')' if m['omp_num_threads'] else ''}, "
        f"load average before/after {m['loadavg_before']} / {m['loadavg_after']}"
    )
    busy_warning(m, "figures are pessimistic and noisy")
    h = summary["health"]
    print(
        f"server: uvicorn on {HOST} (child process), start-up incl. ingestion {summary['startup_seconds']:.1f} s, "
        f"{h.get('documents')} documents / {h.get('passages')} passages; "
        f"{summary['requests_per_level']} requests per endpoint per level, {len(QUESTIONS)} questions"
    )
    print()
    head = (
        f"  {'endpoint':<8}{'conc':>5}{'ok':>5}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}"
        f"{'dense':>8}{'qdrant':>8}{'answer':>8}{'api':>8}{'(svc':>7}{'http)':>7}"
    )
    print(head)
    for s in summary["levels"]:
        sh = s["share"]
        answer = f"{sh['answer'] * 100:>7.1f}%"
        print(
            f"  {'/' + s['endpoint']:<8}{s['concurrency']:>5}{s['ok']:>5}{s['errors']:>5}"
            f"{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['throughput_rps']:>8.2f}"
            f"{sh['dense'] * 100:>7.1f}%{sh['retriever'] * 100:>7.1f}%{answer}{sh['api'] * 100:>7.1f}%"
            f"{sh['service_other'] * 100:>6.1f}%{sh['http'] * 100:>6.1f}%"
        )
    print(
        "  shares are of the summed client-measured latency; api = latency - dense - qdrant - answer,"
        " of which svc = rest of the search service (analyzer, sparse, grouping, facets) and"
        " http = latency - timings_ms.total (FastAPI, validation, JSON, presenters, loopback)"
    )
    for s in summary["levels"]:
        if s["errors"]:
            print(
                f"  /{s['endpoint']} c={s['concurrency']}: {s['errors']} errors, e.g. {s['error_samples'][0]}"
            )
    t = summary["target"]
    print()
    if t is None:
        print("  target: not checked (no successful /search requests at concurrency 1)")
    else:
        verdict = "PASS" if t["passed"] else "FAIL"
        print(
            f"  target /search c=1: median API overhead {t['median_api_overhead_ms']:.1f} ms "
            f"<= {TARGET_FACTOR} x median(dense + qdrant) {t['median_dense_plus_retriever_ms']:.1f} ms "
            f"= {t['limit_ms']:.1f} ms ? {verdict} (overhead is {t['ratio'] * 100:.0f} % of dense + qdrant)"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_api",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--requests", type=int, default=40, help="requests per endpoint per concurrency level (default 40)"
    )
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 8], help="concurrency levels (default: 1 8)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument(
        "--startup-timeout", type=float, default=900, help="seconds to wait for /health (default 900)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--qdrant-path", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        if not args.port or args.qdrant_path is None:
            parser.error("--serve needs --port and --qdrant-path")
        serve(args.port, args.qdrant_path)
        return 0

    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    if any(not 1 <= c <= MAX_CONCURRENCY for c in args.concurrency):
        parser.error(f"--concurrency levels must be between 1 and {MAX_CONCURRENCY}")

    load_before = loadavg()
    levels: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-api-") as tmp:
        port = free_port()
        log_path = Path(tmp) / "server.log"
        base_url = f"http://{HOST}:{port}"
        print(f"Starting the app on {base_url} (first start ingests the corpus) ...", file=sys.stderr)
        started = time.perf_counter()
        proc = start_server(port, Path(tmp) / "qdrant", log_path)
        try:
            limits = httpx.Limits(
                max_connections=max(args.concurrency), max_keepalive_connections=max(args.concurrency)
            )
            # trust_env=False: never route loopback traffic through a proxy from the environment.
            with httpx.Client(base_url=base_url, timeout=120, limits=limits, trust_env=False) as client:
                health = wait_for_health(client, proc, args.startup_timeout, log_path)
                startup = time.perf_counter() - started
                print(f"Healthy after {startup:.1f} s: {health}", file=sys.stderr)
                for endpoint in ENDPOINTS:  # first requests build lazy state; not measured
                    for q in QUESTIONS[:WARMUP_PER_ENDPOINT]:
                        one_request(client, endpoint, q)
                for concurrency in args.concurrency:
                    for endpoint in ENDPOINTS:
                        print(
                            f"/{endpoint}: {args.requests} requests at concurrency {concurrency} ...",
                            file=sys.stderr,
                        )
                        levels.append(run_level(client, endpoint, args.requests, concurrency))
        finally:
            stop_server(proc)
        server_log = _tail(log_path, 50)

    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(load_before, omp_num_threads=os.environ.get("OMP_NUM_THREADS")),
        "startup_seconds": startup,
        "health": health,
        "requests_per_level": args.requests,
        "questions": QUESTIONS,
        "levels": [summarise_level(level) for level in levels],
        "target": target_check(levels),
        "raw": levels,
        "server_log_tail": server_log,
    }
    print_report(summary)
    write_json(summary, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
