"""Find the words with which a Dutch question names the document it asks about.

"Wat is huiselijk geweld volgens de regiovisie Samen Veilig?" asks for a definition; "de regiovisie Samen
Veilig" only says where to look. In the lexical leg those title words outweigh the content words, since
they are rare in the corpus except in the introduction that repeats the title, so the introduction
outranks the definition. The lexical leg therefore searches without them. The dense leg still sees the
whole question, and every passage is embedded with its document's title, so the document named still
counts through that leg. The terms /search highlights and /ask matches sentences on are those of the lexical
query, so they leave the document's name out as well: a quote is chosen for what is asked, not for repeating
the title.
"""

from __future__ import annotations

import re

from ingest.metadata import DOC_TYPES
from kb_core.text.analysis import terms

# Names of document kinds that only occur as a reference to a document ("het koersplan").
_SPECIFIC = "|".join(sorted({*DOC_TYPES, "stappenplan"} - {"memo"}, key=len, reverse=True))
# Generic words that name a document only together with its title ("het lokale plan Samen Veilig").
_GENERIC = r"plan|visie|brief|memo|notitie"
_TITLE = r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*"
_ADJECTIVE = r"(?:(?:herijkte|nieuwe|oude|huidige|eerdere|vorige|lokale|regionale)\s+)?"
# "het koersplan van 2023": the year says which version of the document, not what is asked. A year written
# into the name ("het Koersplan 2023") stays: later documents cite the plan by it ("acties uit het Koersplan
# ViA 2023"), and leaving it out pushed such a question out of the top 10.
_YEAR = r"(?:\s+(?:van|uit)\s+(?:19|20)\d\d\b)?"

# Case-insensitive except for the title, which must start with a capital ("de regiovisie Samen Veilig",
# not "de regiovisie vastgesteld").
DOCUMENT_REFERENCE = re.compile(
    rf"\b(?i:(?:(?:de|het)\s+)?{_ADJECTIVE})(?:(?i:{_SPECIFIC})\b|(?i:{_GENERIC})(?=\s+[A-Z]))"
    rf"(?:\s+{_TITLE})?(?i:{_YEAR})"
)


def without_document_references(question: str) -> str:
    """``question`` without the phrases that name a document; unchanged when no content word would be left."""
    stripped = " ".join(DOCUMENT_REFERENCE.sub(" ", question).split())
    return stripped if terms(stripped) else question
