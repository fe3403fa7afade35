"""Bootstrap intervals over questions and paired differences of two runs (``eval/uncertainty.py``), and the
``kb compare-runs`` command on real report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb_api.cli as cli
from eval.uncertainty import FIGURES, ReportError, interval, load_outcomes, paired_differences

runner = CliRunner()


def outcome(lang: str, answerable: bool, *, rr: float | None = None, answered: bool = True,
            correct: int = 0, first: int = 0) -> dict:  # fmt: skip
    return {"lang": lang, "answerable": answerable, "rr": rr, "answered": answered, "correct": correct,
            "first": first}  # fmt: skip


def run_of(correct: list[int], refused_unanswerable: list[bool]) -> dict[str, dict]:
    """A run: answerable questions a0 … with their answer right or wrong, unanswerable u0 … refused or not."""
    out = {
        f"a{i}": outcome("nl", True, rr=1.0 if c else 0.5, correct=c, first=c) for i, c in enumerate(correct)
    }
    for i, refused in enumerate(refused_unanswerable):
        out[f"u{i}"] = outcome("en", False, answered=not refused)
    return out


def test_an_interval_holds_its_mean_and_narrows_with_more_questions() -> None:
    small = interval([1, 0] * 10)
    large = interval([1, 0] * 200)
    assert small.value == large.value == 0.5 and small.n == 20
    assert small.low < 0.5 < small.high
    assert large.high - large.low < (small.high - small.low) / 3
    assert interval([1.0] * 30).low == interval([1.0] * 30).high == 1.0
    with pytest.raises(ValueError):
        interval([])


def test_a_paired_difference_tells_a_real_change_from_noise() -> None:
    before = run_of([1] * 30 + [0] * 30, [True] * 10 + [False] * 10)
    # 20 questions more answered right, the same abstentions: better, and the abstention figure unchanged
    after = run_of([1] * 50 + [0] * 10, [True] * 10 + [False] * 10)
    by_figure = {d.figure: d for d in paired_differences(before, after)}
    assert by_figure["answer accuracy"].verdict == "better"
    assert by_figure["answer accuracy"].change == pytest.approx(20 / 60)
    assert by_figure["abstention"].change == 0 and by_figure["abstention"].verdict == "within noise"
    assert by_figure["abstention"].n == 20
    # one question moving either way is within the noise of 60 questions
    one = run_of([1] * 31 + [0] * 29, [True] * 10 + [False] * 10)
    assert {d.figure: d for d in paired_differences(before, one)}["answer accuracy"].verdict == "within noise"
    # and a real loss is called worse
    worse = {d.figure: d for d in paired_differences(after, before)}
    assert worse["answer accuracy"].verdict == "worse" and worse["MRR@10"].verdict == "worse"


def test_only_questions_both_runs_hold_are_compared() -> None:
    before = run_of([1, 0, 1, 0], [True, True])
    after = {k: v for k, v in run_of([1, 1, 1, 1], [True, False]).items() if k != "a3"}
    by_figure = {d.figure: d for d in paired_differences(before, after)}
    assert by_figure["answer accuracy"].n == 3
    assert by_figure["answer accuracy"].before == pytest.approx(2 / 3)
    assert by_figure["answer accuracy"].after == 1.0
    # English MRR: no answerable English question, so no figure rather than a figure of nothing
    assert "MRR@10 en" not in by_figure and set(by_figure) <= set(FIGURES)


def _report(path: Path, outcomes: dict[str, dict]) -> Path:
    path.write_text(json.dumps({"splits": {"test": {"outcomes": outcomes}}}), encoding="utf-8")
    return path


def test_compare_runs_prints_the_difference_of_two_reports(tmp_path: Path) -> None:
    before = _report(tmp_path / "before.json", run_of([1] * 30 + [0] * 30, [True] * 20))
    (tmp_path / "after").mkdir()
    _report(tmp_path / "after" / "report.json", run_of([1] * 50 + [0] * 10, [True] * 20))
    result = runner.invoke(cli.app, ["compare-runs", str(before), str(tmp_path / "after")])
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if "answer accuracy" in row)
    assert "0.500" in line and "0.833" in line and "+0.333" in line and "better" in line


def test_compare_runs_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    good = _report(tmp_path / "good.json", run_of([1, 0], [True]))
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"splits": {"test": {"answers": {}}}}), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    for other, said in ((tmp_path / "missing.json", "niet gevonden"), (old, "geen uitkomsten"),
                        (broken, "geen leesbaar rapport")):  # fmt: skip
        result = runner.invoke(cli.app, ["compare-runs", str(good), str(other)])
        assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output
        with pytest.raises(ReportError):
            load_outcomes(other, "test")
    result = runner.invoke(cli.app, ["compare-runs", str(good), str(good), "--split", "tset"])
    assert result.exit_code == 2 and "onbekende split" in result.output
