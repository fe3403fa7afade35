"""Bootstrap intervals over questions and paired differences of two runs (``eval/uncertainty.py``), and the
``kb compare-runs`` command on real report files."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import kb_api.cli as cli
from eval.uncertainty import (
    FIGURES,
    ReportError,
    interval,
    load_outcomes,
    paired_differences,
    question_outcomes,
)

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


def test_an_interval_is_as_wide_as_the_normal_approximation_says() -> None:
    # 200 questions, half right: standard error sqrt(.25 / 200) = .0354, a 95 % interval about 2 x 1.96 x .0354 wide
    width = (lambda i: i.high - i.low)(interval([1, 0] * 100))
    assert width == pytest.approx(2 * 1.96 * (0.25 / 200) ** 0.5, abs=0.015)


def test_pairing_finds_a_change_that_independent_draws_would_call_noise() -> None:
    before = run_of([1] * 30 + [0] * 30, [])
    after = run_of([1] * 36 + [0] * 24, [])  # six questions go from wrong to right, none the other way
    d = {d.figure: d for d in paired_differences(before, after)}["answer accuracy"]
    assert d.change == pytest.approx(0.1)
    # paired: the per-question differences are six ones and 54 zeros, standard error about .039
    assert d.verdict == "better" and 0.01 < d.low < 0.06 and 0.14 < d.high < 0.2


def test_a_fall_in_false_abstention_is_better_and_a_rise_worse() -> None:
    refusing = {
        f"a{i}": outcome("nl", True, rr=1.0, answered=i >= 20, correct=int(i >= 20)) for i in range(60)
    }
    answering = {f"a{i}": outcome("nl", True, rr=1.0, answered=True, correct=1) for i in range(60)}
    fewer = {d.figure: d for d in paired_differences(refusing, answering)}["false abstention"]
    assert fewer.change < 0 and fewer.verdict == "better"
    more = {d.figure: d for d in paired_differences(answering, refusing)}["false abstention"]
    assert more.change > 0 and more.verdict == "worse"


def test_question_outcomes_judge_ranks_and_quotes_as_kb_eval_does() -> None:
    def q(qid: str, answerable: bool = True) -> SimpleNamespace:
        return SimpleNamespace(id=qid, lang="nl", answerable=answerable)

    ranked = {"fifth": ["x1", "x2", "x3", "x4", "hit"], "eleventh": [f"x{i}" for i in range(10)] + ["hit"],
              "first": ["hit"], "no_passage": ["x1"], "refused": ["hit"], "none": []}  # fmt: skip
    relevant = {k: {"hit": 1} for k in ranked if k != "no_passage"}
    answered = {"fifth": (True, [False, True]), "first": (True, [True]), "refused": (False, []),
                "eleventh": (True, [False]), "no_passage": (True, [True])}  # fmt: skip
    questions = [q(k) for k in ranked] + [q("unanswerable", answerable=False)]
    out = question_outcomes(questions, ranked, relevant, answered)
    assert out["fifth"]["rr"] == pytest.approx(0.2) and out["first"]["rr"] == 1.0
    assert out["eleventh"]["rr"] == 0.0  # found, but below the top 10
    assert out["no_passage"]["rr"] is None  # no passage bears its answer: not a retrieval question
    assert (out["fifth"]["correct"], out["fifth"]["first"]) == (1, 0)  # a later quote bears the answer
    assert (out["first"]["correct"], out["first"]["first"]) == (1, 1)
    assert (out["refused"]["answered"], out["refused"]["correct"], out["refused"]["first"]) == (False, 0, 0)
    assert out["none"]["answered"] is False and out["unanswerable"]["rr"] is None
    figures = {d.figure: d.before for d in paired_differences(out, out)}
    assert figures["R@5"] == pytest.approx(
        3 / 5
    )  # fifth, first and refused are in the top 5; eleventh, none not
    # six answerable questions: a quote bears the answer for fifth, first and no_passage; the first quote for two
    assert figures["answer accuracy"] == pytest.approx(3 / 6) and figures["first quote"] == pytest.approx(
        2 / 6
    )
    assert (
        figures["false abstention"] == pytest.approx(2 / 6) and figures["abstention"] == 1.0
    )  # it was not answered


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
    no_splits = tmp_path / "no_splits.json"
    no_splits.write_text(json.dumps({"splits": []}), encoding="utf-8")
    list_split = tmp_path / "list_split.json"
    list_split.write_text(json.dumps({"splits": {"test": []}}), encoding="utf-8")
    lacking = _report(tmp_path / "lacking.json", {"q1": {"lang": "nl"}})
    mistyped = _report(tmp_path / "mistyped.json", {"q1": {**outcome("nl", True), "rr": "x"}})
    for other, said in ((tmp_path / "missing.json", "niet gevonden"), (old, "geen uitkomsten"),
                        (broken, "geen leesbaar rapport"), (no_splits, "geen uitkomsten"),
                        (list_split, "geen uitkomsten"), (lacking, "answerable"), (mistyped, "rr")):  # fmt: skip
        result = runner.invoke(cli.app, ["compare-runs", str(good), str(other)])
        assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output
        with pytest.raises(ReportError):
            load_outcomes(other, "test")
    result = runner.invoke(cli.app, ["compare-runs", str(good), str(good), "--split", "tset"])
    assert result.exit_code == 2 and "onbekende split" in result.output
