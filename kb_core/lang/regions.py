"""Which municipality lies in which ViA region (data: ``regions.json``).

Noordoost-Brabant: the ten municipalities of the regional Koersplan ViA 2023-2028 (financial table,
chapter 8). Arnhem-Achterhoek: the seventeen partners named on the cover of the Regiovisie Samen Veilig
2024-2028 (with 1Stroom, the joint organisation of Duiven and Westervoort, counted as its two members).

Former municipalities (``former_municipalities``) resolve to the municipality they merged into, so older
documents get today's municipality and its region: Uden and Landerd are Maashorst (2022); Boxmeer, Cuijk,
Grave, Mill en Sint Hubert and Sint Anthonis are Land van Cuijk (2022); Schijndel, Sint-Oedenrode and
Veghel are Meierijstad (2017); Rosmalen is 's-Hertogenbosch (1996), Lith is Oss (2011); Rijnwaarden and
Angerlo are Zevenaar (2018, 2005); and the Gelderland mergers of 2001 and 2005 (Lingewaard, Overbetuwe,
Berkelland, Bronckhorst, Montferland, Oost Gelre, Oude IJsselstreek; Dinxperlo into Aalten, Wehl into
Doetinchem). Former
municipalities that were split over several successors (Maasdonk, Haaren) or whose name is also another
municipality's (Hengelo, Elst) are left out: their region cannot be told from the name alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb_core.lang import load

NOORDOOST_BRABANT = "Noordoost-Brabant"
ARNHEM_ACHTERHOEK = "Arnhem-Achterhoek"

_DATA = load("regions")
MUNICIPALITY_REGION: dict[str, str] = dict(_DATA["municipalities"])
# Municipalities merged into another one, mapped to the municipality they are part of now.
FORMER_MUNICIPALITIES: dict[str, str] = dict(_DATA["former_municipalities"])
# Other spellings met in documents, and former municipalities, mapped to the canonical (current) name.
ALIASES: dict[str, str] = {
    alias: FORMER_MUNICIPALITIES.get(name, name) for alias, name in _DATA["municipality_aliases"].items()
} | FORMER_MUNICIPALITIES
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


@dataclass(frozen=True)
class Places:
    """The municipalities a text names (canonical) and the ViA regions it names or that they lie in."""

    municipalities: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    def contradicted_by(self, other: Places) -> bool:
        """Whether ``other`` names places and none of these: a municipality, or a region, other than the ones
        asked about ("Boekel levert 18 uur" for a question about Sint-Michielsgestel)."""
        municipality = bool(self.municipalities and other.municipalities) and not (
            self.municipalities & other.municipalities
        )
        region = bool(self.regions and other.regions) and not (self.regions & other.regions)
        return municipality or region


_MUNICIPALITY_NAMES = municipality_pattern()
# A region's name as written: any run of whitespace for a space ("Noordoost\nBrabant"), and a word may follow
# after a hyphen ("NOB-regio").
_REGION_NAMES = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in sorted(REGION_ALIASES, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def places_named(text: str) -> Places:
    """The municipalities and regions ``text`` names; a municipality also counts for its region.

    A municipality is a known name written with its capital (so the bird "duiven" is not Duiven) and not part
    of a region's name ("Arnhem Achterhoek" names the region, not Arnhem). Cached: the answer scorer asks it of
    every candidate unit, and the same units come back question after question."""
    region_matches = list(_REGION_NAMES.finditer(text))
    region_spans = [m.span() for m in region_matches]
    regions = {canonical_region(m.group(1)) for m in region_matches}
    municipalities = set()
    for m in _MUNICIPALITY_NAMES.finditer(text):
        name = m.group(1)
        if any(start <= m.start() < end for start, end in region_spans):
            continue
        if not (name[0].isupper() or name[:2].lower() in ("'s", "’s", "‘s")):
            continue
        canonical = canonical_municipality(name)
        if canonical is not None:
            municipalities.add(canonical)
    regions |= {region_of(name) for name in municipalities}
    return Places(frozenset(municipalities), frozenset(r for r in regions if r))
