"""Benchmarks (not tests): ingestion throughput and API latency. See bench/README.md."""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "--no-optional-locks", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout.strip()


def code_version() -> str:
    """The commit measured, with '+changes' when tracked files differ from it (read-only git calls)."""
    try:
        sha = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}+changes" if dirty else sha


def loadavg() -> list[float] | None:
    """1, 5 and 15 minute load averages (other work on the machine skews every figure)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on this platform
        return None


def machine_info(load_before: list[float] | None, **extra: Any) -> dict[str, Any]:
    """What a figure was measured on: CPUs, commit, Python, platform and the load before and after."""
    return {
        "cpus": os.cpu_count(),
        "code": code_version(),
        **extra,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }


def busy_warning(machine: dict[str, Any], consequence: str) -> None:
    """Print a warning when the 1-minute load before or after the run exceeded the number of CPUs."""
    busy = max((machine["loadavg_before"] or [0])[0], (machine["loadavg_after"] or [0])[0])
    if machine["cpus"] and busy > machine["cpus"]:
        print(
            f"  WARNING: the machine was busy (load average {busy} on {machine['cpus']} CPUs); {consequence}"
        )


def write_json(summary: dict[str, Any], path: Path | None) -> None:
    """Write every figure to ``path`` (when given) as JSON."""
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        print(f"wrote {path}")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop the child we started: SIGINT (graceful, closes the store), then SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
