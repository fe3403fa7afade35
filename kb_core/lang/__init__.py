"""Language data, in one place: stopwords, language markers, months, regions and municipalities, glossary.

The data are JSON files beside this module, read once on first use; code elsewhere never spells out a
month, a municipality or a glossary entry itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


@cache
def load(name: str) -> Any:
    """The parsed data file ``<name>.json`` of this package (read once)."""
    return json.loads((_HERE / f"{name}.json").read_text(encoding="utf-8"))


def stopwords(language: str) -> frozenset[str]:
    """Function words of ``language`` ('nl' or 'en'), lower case and accent-folded."""
    return frozenset(load("stopwords")[language])


def abbreviations() -> frozenset[str]:
    """Abbreviations written with a full stop that ends no sentence ("dhr.", "bijv."), Dutch and English,
    lower case without the dot."""
    data = load("abbreviations")
    return frozenset(data["nl"]) | frozenset(data["en"])


def language_markers(language: str) -> frozenset[str]:
    """Frequent words that tell a query's language ('nl' or 'en')."""
    return frozenset(load("language_markers")[language])


def months() -> dict[str, int]:
    """Month names and their abbreviations (Dutch and English) with their number."""
    data = load("months")
    return {**data["names"], **data["abbreviations"]}


def month_names() -> dict[str, int]:
    """Full month names (Dutch and English, where English differs) with their number."""
    return dict(load("months")["names"])


def dutch_month_names() -> list[str]:
    """The twelve Dutch month names, January first."""
    by_number: dict[int, str] = {}
    for name, number in load("months")["names"].items():
        by_number.setdefault(number, name)  # the Dutch names come first in the file
    return [by_number[n] for n in range(1, 13)]


def glossary() -> dict[str, str]:
    """English words and phrases of the policy field with their Dutch terms."""
    return dict(load("glossary"))
