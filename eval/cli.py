"""``kb eval`` and ``kb train-answerer``: commands the evaluation package adds to the ``kb`` command.

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
