"""Split the gold set into ``dev`` and ``test`` once, at random, seeded and stratified.

``python -m eval.split`` gives every question without a ``split`` field one: within each stratum (answerable
or not, language, kind) the questions are shuffled with ``random.Random(SEED)`` and the first 60 % (rounded)
go to ``dev``, the rest to ``test``. Questions that already have a split keep it, so adding questions later
never moves old ones between the halves. Fitting and tuning use ``dev`` only; figures are quoted on ``test``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from eval.gold import DEFAULT_GOLD

SEED = 20261201
DEV_SHARE = 0.6
# The number of the first question of each batch that was split (q001-q224 in the fifth session,
# q225-q344 in the sixth, q345-q464 in the eleventh): the split of every batch is reproduced by assigning the
# batches in this order.
BATCH_STARTS = (1, 225, 345)


def stratum(question: dict) -> tuple[bool, str, str]:
    """The group a question is split within."""
    return (bool(question.get("answerable", True)), question.get("lang", "nl"), question.get("kind", "other"))


def assign_splits(questions: list[dict], seed: int = SEED, dev_share: float = DEV_SHARE) -> list[dict]:
    """The questions with a ``split`` for each that had none (see the module docstring)."""
    groups: dict[tuple[bool, str, str], list[dict]] = defaultdict(list)
    for q in questions:
        if "split" not in q:
            groups[stratum(q)].append(q)
    rng = random.Random(seed)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda q: q["id"])
        rng.shuffle(members)
        n_dev = round(len(members) * dev_share)
        for i, q in enumerate(members):
            q["split"] = "dev" if i < n_dev else "test"
    return questions


def reassign_in_batches(questions: list[dict]) -> list[dict]:
    """The splits :func:`assign_splits` gives when the batches of ``BATCH_STARTS`` are added one by one
    (to check that the committed split is the seeded one)."""
    fresh = [{k: v for k, v in q.items() if k != "split"} for q in questions]
    bounds = [*BATCH_STARTS[1:], 10**9]
    done: list[dict] = []
    for start, end in zip(BATCH_STARTS, bounds, strict=True):
        batch = [q for q in fresh if start <= int(q["id"].lstrip("q")) < end]
        assign_splits(done + batch)
        done += batch
    return fresh


def main() -> None:
    """Assign the missing splits in a gold file, in place."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    args = parser.parse_args()
    lines = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    assign_splits(lines)
    args.gold.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in lines), encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for q in lines:
        counts[q["split"]] += 1
    print(dict(counts))


if __name__ == "__main__":
    main()
