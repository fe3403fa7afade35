"""English → Dutch domain glossary, so English questions can use the Dutch lexical leg.

The corpus is Dutch and the sparse vectors are Dutch stems, so an English word never matches. For the
vocabulary of this policy field (domestic violence and child abuse, municipal governance, finance),
the Dutch terms are added to what the lexical leg searches for. The dense leg still sees the original
question. Multi-word entries are matched first.
"""

from __future__ import annotations

import re

GLOSSARY: dict[str, str] = {
    # violence and care
    "domestic violence": "huiselijk geweld",
    "child abuse": "kindermishandeling",
    "elder abuse": "ouderenmishandeling",
    "sexual violence": "seksueel geweld",
    "human trafficking": "mensenhandel",
    "honour-related violence": "eergerelateerd geweld",
    "partner violence": "partnergeweld",
    "violence": "geweld",
    "abuse": "mishandeling",
    "victims": "slachtoffers",
    "victim": "slachtoffer",
    "perpetrators": "plegers daders",
    "perpetrator": "pleger dader",
    "safety": "veiligheid",
    "safe": "veilig",
    "unsafe": "onveilig",
    "prevention": "preventie",
    "target groups": "doelgroepen",
    "experts by experience": "ervaringsdeskundigen ervaringsdeskundigheid",
    "lived experience": "ervaringsdeskundigheid",
    "reporting code": "meldcode",
    "reports": "meldingen",
    "report": "melding",
    "women's shelter": "vrouwenopvang",
    "shelter": "opvang",
    "youth care": "jeugdzorg jeugdhulp",
    "youth protection": "jeugdbescherming",
    "child protection board": "raad voor de kinderbescherming",
    "certified institutions": "gecertificeerde instellingen",
    "local teams": "lokale teams",
    "local team": "lokaal team",
    "safety team": "veiligheidsteam",
    "specialist help": "specialistische hulp",
    "trauma": "trauma traumahulp",
    "families": "gezinnen",
    "family": "gezin",
    "households": "huishoudens",
    "children": "kinderen",
    "residents": "inwoners",
    "inhabitants": "inwoners",
    "population": "inwoners",
    "professionals": "professionals",
    # governance
    "steering group": "stuurgroep",
    "steering committee": "stuurgroep",
    "working group": "werkgroep",
    "mayor": "burgemeester",
    "alderman": "wethouder",
    "council": "raad gemeenteraad",
    "councillors": "raadsleden",
    "municipality": "gemeente",
    "municipalities": "gemeenten",
    "central municipality": "centrumgemeente",
    "centre municipality": "centrumgemeente",
    "region": "regio",
    "regional": "regionaal",
    "responsible": "verantwoordelijk",
    "responsibility": "verantwoordelijkheid",
    "commissioning": "opdrachtgever",
    "contact person": "contactfunctionaris contactpersoon",
    "members": "leden kernleden",
    "programme": "programma",
    "program": "programma",
    "programme team": "programmateam",
    "commitment": "toezegging",
    "commitments": "toezeggingen",
    "promised": "toegezegd toezegging",
    "decision": "besluit besluitvorming",
    "decision-making": "besluitvorming",
    "approach": "aanpak",
    "vision": "visie",
    "ambition": "ambitie",
    "ambitions": "ambities",
    "goals": "doelstellingen doelen",
    "objectives": "doelstellingen",
    "priority": "prioriteit",
    "priorities": "prioriteit prioritering",
    "deprioritised": "geen prioriteit",
    "deprioritized": "geen prioriteit",
    "spearheads": "speerpunten",
    "starting points": "vertrekpunten",
    "preconditions": "randvoorwaarden",
    "future scenario": "toekomstscenario",
    "timeline": "tijdpad",
    "stopped": "stopgezet",
    "research": "onderzoek",
    "study": "onderzoek",
    "evaluation": "evaluatie",
    "monitoring": "monitoring monitor",
    "self-scan": "zelfscan",
    # money and figures
    "budget": "budget begroting",
    "costs": "kosten",
    "cost": "kosten",
    "contribution": "bijdrage",
    "contribute": "bijdrage bijdragen",
    "contributes": "bijdrage",
    "compensation": "vergoeding",
    "reimbursed": "vergoed vergoeding",
    "hours": "uur uren",
    "staff": "personele inzet",
    "percentage": "percentage",
    "funding": "financiering middelen",
    "funds": "middelen",
    # parking memo and commitments list
    "parking": "parkeren parkeerbeleid",
    "permit": "vergunning",
    "permit holders": "vergunninghouders",
    "objections": "bezwaren bezwaarschriften",
    "fines": "boetes naheffingsaanslagen",
    # general policy language
    "steering": "sturing",
    "central": "centraal centrale",
    "national": "landelijk landelijke",
    "local": "lokaal lokale",
    "framework": "kader",
    "frameworks": "kaders",
    "figures": "cijfers",
    "numbers": "aantallen cijfers",
    "objection": "bezwaar bezwaarschrift",
    "upheld": "gegrond",
    "higher": "hoger hogere",
    "lower": "lager lagere",
    "increase": "stijging toename",
    "decrease": "daling afname",
    "short term": "korte termijn",
    "long term": "lange termijn",
    "deadline": "termijn",
    "period": "periode",
    "implemented": "geïmplementeerd ingevoerd",
    "implementation": "implementatie uitvoering",
    "agreements": "afspraken",
    "cooperation": "samenwerking",
    "collaboration": "samenwerking",
    "cooperate": "samenwerken",
    "training": "scholing training",
    "signals": "signalen",
    "reasons": "redenen",
    "concluded": "geconstateerd geconcludeerd",
    "advice": "advies",
    "advised": "geadviseerd advies",
    "adjusted": "aangepast bijgesteld",
    "revised": "herijkt herijking aangepast",
    "shortage": "tekort",
    "waiting lists": "wachtlijsten",
    "awareness": "bekendheid bewustwording",
    # months
    "january": "januari", "february": "februari", "march": "maart", "may": "mei", "june": "juni",
    "july": "juli", "august": "augustus", "october": "oktober",
}  # fmt: skip

_ENTRIES = sorted(GLOSSARY.items(), key=lambda kv: -len(kv[0]))
_PATTERNS = [(re.compile(rf"\b{re.escape(en)}\b", re.IGNORECASE), nl) for en, nl in _ENTRIES]


def dutch_terms(text: str) -> list[str]:
    """The Dutch glossary terms for the English words and phrases in ``text`` (longest phrases first)."""
    found: list[str] = []
    remaining = text
    for pattern, nl in _PATTERNS:
        if pattern.search(remaining):
            found.append(nl)
            remaining = pattern.sub(" ", remaining)
    return found


def expand_for_lexical(text: str) -> str:
    """The query plus the Dutch equivalents of its English domain terms."""
    extra = dutch_terms(text)
    return f"{text} {' '.join(extra)}" if extra else text
