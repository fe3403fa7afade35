"""Cleaning and splitting time against document size: each shape at 1x, 2x and 4x its size.

A benchmark, not a test (no timing is asserted anywhere in tests/). Linear work shows a ratio of about 2
per doubling; the shapes are the ones that were quadratic or worse before: a long paragraph of wrapped
lines, a run of numbered headings, many pages, a line of figures without spaces.

    .venv/bin/python -m bench.bench_splitting [--scale N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from ingest.cleaning import clean_text
from ingest.splitting import split_document

LINE = "de gemeente werkt samen met Veilig Thuis aan de aanpak van huiselijk geweld en kindermishandeling"


def wrapped_paragraph(n: int) -> str:
    """One paragraph of ``n`` layout-wrapped lines (no sentence ends)."""
    return "\n".join([LINE] * n)


def numbered_headings(n: int) -> str:
    """``n`` numbered headings in a row, each followed by one short line."""
    return "\n".join(
        f"{i % 90 + 1}.{i % 7 + 1} Onderdeel van het plan\nDit onderdeel beschrijft de aanpak van de regio."
        for i in range(n)
    )


def many_pages(n: int) -> str:
    """``n`` pages, each with a heading and a few sentences."""
    page = f"1 Aanleiding\n{LINE}.\n{LINE}.\n"
    return "\f".join([page] * n)


def figure_run(n: int) -> str:
    """One line of ``n`` characters of figures and dots without a space."""
    return "1." * (n // 2)


SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    "wrapped paragraph": (wrapped_paragraph, 5_000),
    "numbered headings": (numbered_headings, 5_000),
    "many pages": (many_pages, 5_000),
    "figure run": (figure_run, 500_000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every base size")
    args = parser.parse_args()
    for name, (make, base) in SHAPES.items():
        previous = None
        for factor in (1, 2, 4):
            content = make(int(base * args.scale * factor))
            started = time.perf_counter()
            passages = split_document(clean_text(content))
            seconds = time.perf_counter() - started
            ratio = f"x{seconds / previous:.1f}" if previous else ""
            print(
                f"{name:18} {len(content) / 1e6:6.2f} MB  {seconds:6.2f} s  {len(passages):6} passages  {ratio}"
            )
            previous = max(seconds, 1e-6)


if __name__ == "__main__":
    main()
