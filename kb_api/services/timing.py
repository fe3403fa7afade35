"""Where a request's time goes: component run times from Haystack's tracing hook, and timed blocks.

``with collect_timings() as times:`` gathers, for the current request (a context variable, so threads and
tasks do not mix), the milliseconds every pipeline component ran (``times["dense"]``) and every block
wrapped in ``with timed(times, "answer"):``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from haystack import tracing
from haystack.tracing import Span, Tracer

_CURRENT: ContextVar[dict[str, float] | None] = ContextVar("kb_timings", default=None)


class _NoSpan(Span):
    def set_tag(self, key: str, value: Any) -> None:
        """Tags are not kept; only durations are."""


class TimingTracer(Tracer):
    """A Haystack tracer that adds each component run's duration to the current request's timings."""

    @contextlib.contextmanager
    def trace(
        self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: Span | None = None
    ) -> Iterator[Span]:
        """Time the traced block; component runs are recorded under their pipeline name."""
        times = _CURRENT.get()
        started = time.perf_counter()
        try:
            yield _NoSpan()
        finally:
            if times is not None and operation_name == "haystack.component.run" and tags:
                name = str(tags.get("haystack.component.name"))
                times[name] = times.get(name, 0.0) + (time.perf_counter() - started) * 1000

    def current_span(self) -> Span | None:
        """No span objects are kept."""
        return None


def install_timing_tracer() -> None:
    """Route Haystack's tracing to :class:`TimingTracer` (once per process; idempotent)."""
    if not isinstance(tracing.tracer.actual_tracer, TimingTracer):
        tracing.enable_tracing(TimingTracer())


@contextlib.contextmanager
def collect_timings() -> Iterator[dict[str, float]]:
    """Collect the timings of what runs inside the block (nested use shares the outer dict)."""
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    times: dict[str, float] = {}
    token = _CURRENT.set(times)
    try:
        yield times
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def timed(times: dict[str, float], name: str) -> Iterator[None]:
    """Add the block's duration in milliseconds to ``times[name]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        times[name] = times.get(name, 0.0) + (time.perf_counter() - started) * 1000
