"""Which municipality lies in which ViA region (data: ``regions.json``).

Noordoost-Brabant: the ten municipalities of the regional Koersplan ViA 2023-2028 (financial table,
chapter 8). Arnhem-Achterhoek: the seventeen partners named on the cover of the Regiovisie Samen Veilig
2024-2028 (with 1Stroom, the joint organisation of Duiven and Westervoort, counted as its two members).
"""

from __future__ import annotations

import re

from kb_core.lang import load

NOORDOOST_BRABANT = "Noordoost-Brabant"
ARNHEM_ACHTERHOEK = "Arnhem-Achterhoek"

_DATA = load("regions")
MUNICIPALITY_REGION: dict[str, str] = dict(_DATA["municipalities"])
# Other spellings met in documents, mapped to the canonical name.
ALIASES: dict[str, str] = dict(_DATA["municipality_aliases"])
REGION_ALIASES: dict[str, str] = dict(_DATA["region_aliases"])

REGIONS = (NOORDOOST_BRABANT, ARNHEM_ACHTERHOEK)


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("’", "'").replace("‘", "'").strip()).lower()


_LOOKUP: dict[str, str] = {_key(name): name for name in MUNICIPALITY_REGION}
_LOOKUP.update({_key(alias): canonical for alias, canonical in ALIASES.items()})


def canonical_municipality(name: str) -> str | None:
    """The canonical spelling of a known municipality, or None."""
    return _LOOKUP.get(_key(name))


def region_of(municipality: str | None) -> str | None:
    """The ViA region of a municipality, or None when it is not in the table."""
    if not municipality:
        return None
    canonical = canonical_municipality(municipality)
    return MUNICIPALITY_REGION.get(canonical) if canonical else None


def canonical_region(name: str) -> str | None:
    """The canonical spelling of a region name (any case, with or without hyphen), or None."""
    return REGION_ALIASES.get(_key(name))


def municipality_pattern() -> re.Pattern[str]:
    """A regex that finds any known municipality name (longest names first)."""
    names = sorted(set(_LOOKUP.values()) | set(ALIASES), key=len, reverse=True)
    alternatives = "|".join(re.escape(n).replace("'", "['’‘]?") for n in names)
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)
