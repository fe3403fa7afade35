"""Which municipality lies in which ViA region (the regions named in the corpus).

Noordoost-Brabant: the ten municipalities of the regional Koersplan ViA 2023-2028 (financial table,
chapter 8). Arnhem-Achterhoek: the seventeen partners named on the cover of the Regiovisie Samen Veilig
2024-2028 (with 1Stroom, the joint organisation of Duiven and Westervoort, counted as its two members).
"""

from __future__ import annotations

import re

NOORDOOST_BRABANT = "Noordoost-Brabant"
ARNHEM_ACHTERHOEK = "Arnhem-Achterhoek"

MUNICIPALITY_REGION: dict[str, str] = {
    "'s-Hertogenbosch": NOORDOOST_BRABANT,
    "Bernheze": NOORDOOST_BRABANT,
    "Boekel": NOORDOOST_BRABANT,
    "Boxtel": NOORDOOST_BRABANT,
    "Land van Cuijk": NOORDOOST_BRABANT,
    "Maashorst": NOORDOOST_BRABANT,
    "Meierijstad": NOORDOOST_BRABANT,
    "Oss": NOORDOOST_BRABANT,
    "Sint-Michielsgestel": NOORDOOST_BRABANT,
    "Vught": NOORDOOST_BRABANT,
    "Aalten": ARNHEM_ACHTERHOEK,
    "Arnhem": ARNHEM_ACHTERHOEK,
    "Berkelland": ARNHEM_ACHTERHOEK,
    "Bronckhorst": ARNHEM_ACHTERHOEK,
    "Doesburg": ARNHEM_ACHTERHOEK,
    "Doetinchem": ARNHEM_ACHTERHOEK,
    "Duiven": ARNHEM_ACHTERHOEK,
    "Westervoort": ARNHEM_ACHTERHOEK,
    "Lingewaard": ARNHEM_ACHTERHOEK,
    "Montferland": ARNHEM_ACHTERHOEK,
    "Oost Gelre": ARNHEM_ACHTERHOEK,
    "Oude IJsselstreek": ARNHEM_ACHTERHOEK,
    "Overbetuwe": ARNHEM_ACHTERHOEK,
    "Renkum": ARNHEM_ACHTERHOEK,
    "Rheden": ARNHEM_ACHTERHOEK,
    "Rozendaal": ARNHEM_ACHTERHOEK,
    "Winterswijk": ARNHEM_ACHTERHOEK,
    "Zevenaar": ARNHEM_ACHTERHOEK,
}

# Other spellings met in documents, mapped to the canonical name above.
ALIASES: dict[str, str] = {
    "s-Hertogenbosch": "'s-Hertogenbosch",
    "'s Hertogenbosch": "'s-Hertogenbosch",
    "Den Bosch": "'s-Hertogenbosch",
    "Oost-Gelre": "Oost Gelre",
    "Sint Michielsgestel": "Sint-Michielsgestel",
}

REGION_ALIASES: dict[str, str] = {
    "noordoost-brabant": NOORDOOST_BRABANT,
    "noordoost brabant": NOORDOOST_BRABANT,
    "brabant-noordoost": NOORDOOST_BRABANT,
    "nob": NOORDOOST_BRABANT,
    "arnhem-achterhoek": ARNHEM_ACHTERHOEK,
    "arnhem achterhoek": ARNHEM_ACHTERHOEK,
}

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
