"""``kb eval``, ``kb compare-runs`` and ``kb train-answerer``: commands the evaluation package adds to the ``kb`` command.

Registered through the ``via_kennisbank.commands`` entry point, so the product never imports ``eval``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kb_core.settings import get_settings


def register(
    app: typer.Typer,
    *,
    console: Console,
    errors_to_messages: Callable[[], AbstractContextManager[Any]],
    quiet: Callable[[], None],
) -> None:
    """Add the evaluation commands to ``app``."""

    @app.command("eval")
    def evaluate(
        gold: Annotated[
            Path | None, typer.Option(help="Gold-bestand (JSONL), standaard eval/gold/questions.jsonl")
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Map voor rapport en TREC-run, standaard eval/runs/latest")
        ] = None,
        modes: Annotated[
            str, typer.Option(help="Kommagescheiden: hybrid,dense,lexical")
        ] = "hybrid,dense,lexical",
        gate: Annotated[
            bool,
            typer.Option(help="Faal (exit 1) als een drempel uit eval/thresholds.json niet gehaald wordt"),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als JSON / output JSON")] = False,
    ) -> None:
        """Evaluatie tegen de gold-vragen: Recall@k, MRR, nDCG, antwoord- en onthoudingsnauwkeurigheid."""
        quiet()
        from eval.runner import run_evaluation

        with errors_to_messages():
            ok = run_evaluation(
                get_settings(), gold=gold, out=out, modes=[m.strip() for m in modes.split(",") if m.strip()],
                gate=gate, as_json=as_json, console=console,
            )  # fmt: skip
        if not ok:
            raise typer.Exit(1)

    @app.command("compare-runs")
    def compare_runs(
        before: Annotated[
            Path, typer.Argument(help="Rapport (report.json of de map ervan) van vóór de wijziging")
        ],
        after: Annotated[Path, typer.Argument(help="Rapport van ná de wijziging")],
        split: Annotated[str, typer.Option(help="Welke helft: test, dev of all")] = "test",
    ) -> None:
        """Twee eval-rapporten vergelijken per vraag: verschil met 95 %-interval (paired bootstrap)."""
        from eval.uncertainty import ReportError, load_outcomes, paired_differences

        if split not in ("dev", "test", "all"):
            console.print(f"[red]Fout:[/red] onbekende split '{split}' (dev, test of all) / unknown split")
            raise typer.Exit(2)
        try:
            differences = paired_differences(load_outcomes(before, split), load_outcomes(after, split))
        except ReportError as exc:
            console.print(f"[red]Fout:[/red] {exc}")
            raise typer.Exit(2) from None
        console.print(
            f"{split}: ná min vóór / after minus before; 95 % paired bootstrap over shared questions"
        )
        for d in differences:
            console.print(
                f"{d.figure:<16} {d.before:.3f} -> {d.after:.3f}  {d.change:+.3f} "
                f"[{d.low:+.4f}, {d.high:+.4f}] n={d.n} {d.verdict}",
                highlight=False,
                soft_wrap=True,
            )

    @app.command("train-answerer")
    def train_answerer_command(
        gold: Annotated[Path | None, typer.Option(help="Gold-bestand (JSONL) met dev/test-splitsing")] = None,
        out: Annotated[
            Path | None, typer.Option(help="Modelbestand, standaard kb_api/retrieval/answer_model.json")
        ] = None,
        max_false_abstention: Annotated[
            float | None,
            typer.Option(
                min=0.0,
                max=1.0,
                help="Hoogste aandeel beantwoordbare dev-vragen dat geweigerd mag worden "
                "(standaard eval.train_answerer.MAX_FALSE_ABSTENTION: 0,15)",
            ),
        ] = None,
    ) -> None:
        """Het antwoordmodel trainen op de dev-vragen en testen op de test-vragen (train the answer scorer)."""
        quiet()
        from eval.train_answerer import DEFAULT_MODEL, train_answerer

        with errors_to_messages():
            cap = {} if max_false_abstention is None else {"max_false_abstention": max_false_abstention}
            train_answerer(get_settings(), gold=gold, out=out or DEFAULT_MODEL, console=console, **cap)
