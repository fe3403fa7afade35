"""Domain errors and notes: a machine code and parameters, rendered in Dutch or English at the edge.

Code raises ``InvalidQueryError("query_empty")`` or returns ``Note("unknown_filter_value", field=...,
value=...)``; the API, the CLI and the web page turn them into text with :func:`render`, from the one table
``MESSAGES``, so no message is written twice and no code splits "NL / EN" strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Language = Literal["nl", "en"]

MESSAGES: dict[str, dict[str, str]] = {
    # request errors
    "query_empty": {"nl": "De zoekvraag is leeg.", "en": "The query is empty."},
    "query_no_words": {
        "nl": "De zoekvraag bevat geen woorden of getallen om naar te zoeken.",
        "en": "The query holds no words or numbers to search for.",
    },
    "query_too_long": {
        "nl": "De zoekvraag is te lang ({length} tekens, hoogstens {limit}).",
        "en": "The query is too long ({length} characters, at most {limit}).",
    },
    "dates_reversed": {
        "nl": "De begindatum ({date_from}) ligt na de einddatum ({date_to}).",
        "en": "The start date ({date_from}) is after the end date ({date_to}).",
    },
    "invalid_date": {
        "nl": "De datum '{name}' is ongeldig ('{value}'); gebruik jjjj-mm-dd.",
        "en": "The date '{name}' is invalid ('{value}'); use yyyy-mm-dd.",
    },
    "dates_reversed_short": {"nl": "date_from ligt na date_to.", "en": "date_from is after date_to."},
    "unknown_mode": {"nl": "Onbekende zoekmodus '{mode}'.", "en": "Unknown search mode '{mode}'."},
    "invalid_request": {"nl": "Ongeldig verzoek: {summary}", "en": "Invalid request: {summary}"},
    "document_not_found": {
        "nl": "Document '{document_id}' bestaat niet.",
        "en": "Document '{document_id}' does not exist.",
    },
    "file_not_found": {
        "nl": "Het originele bestand van '{document_id}' is niet beschikbaar.",
        "en": "The original file of '{document_id}' is not available.",
    },
    "not_found": {"nl": "Deze pagina bestaat niet.", "en": "This page does not exist."},
    "method_not_allowed": {"nl": "Deze methode is hier niet toegestaan.", "en": "Method not allowed."},
    "http_error": {"nl": "Het verzoek is mislukt ({status}).", "en": "The request failed ({status})."},
    "body_too_large": {
        "nl": "Het verzoek is te groot (hoogstens {limit} bytes).",
        "en": "The request body is too large (at most {limit} bytes).",
    },
    # one field of a request that fails its schema, by pydantic's error type (``validation_<type>``)
    "validation_missing": {"nl": "ontbreekt (verplicht)", "en": "is missing (required)"},
    "validation_extra_forbidden": {"nl": "onbekend veld", "en": "unknown field"},
    "validation_string_too_short": {
        "nl": "te kort (minstens {min_length} teken(s))",
        "en": "too short (at least {min_length} character(s))",
    },
    "validation_string_too_long": {
        "nl": "te lang (hoogstens {max_length} tekens)",
        "en": "too long (at most {max_length} characters)",
    },
    "validation_too_short": {
        "nl": "te weinig waarden (minstens {min_length})",
        "en": "too few values (at least {min_length})",
    },
    "validation_too_long": {
        "nl": "te veel waarden (hoogstens {max_length})",
        "en": "too many values (at most {max_length})",
    },
    "validation_greater_than_equal": {"nl": "moet minstens {ge} zijn", "en": "must be at least {ge}"},
    "validation_less_than_equal": {"nl": "mag hoogstens {le} zijn", "en": "must be at most {le}"},
    "validation_greater_than": {"nl": "moet groter zijn dan {gt}", "en": "must be greater than {gt}"},
    "validation_less_than": {"nl": "moet kleiner zijn dan {lt}", "en": "must be less than {lt}"},
    "validation_literal_error": {"nl": "kies uit {expected}", "en": "choose from {expected}"},
    "validation_enum": {"nl": "kies uit {expected}", "en": "choose from {expected}"},
    "validation_string_type": {"nl": "moet tekst zijn", "en": "must be text"},
    "validation_int_type": {"nl": "moet een geheel getal zijn", "en": "must be a whole number"},
    "validation_int_parsing": {"nl": "moet een geheel getal zijn", "en": "must be a whole number"},
    "validation_int_from_float": {"nl": "moet een geheel getal zijn", "en": "must be a whole number"},
    "validation_float_parsing": {"nl": "moet een getal zijn", "en": "must be a number"},
    "validation_float_type": {"nl": "moet een getal zijn", "en": "must be a number"},
    "validation_bool_parsing": {"nl": "moet true of false zijn", "en": "must be true or false"},
    "validation_bool_type": {"nl": "moet true of false zijn", "en": "must be true or false"},
    "validation_list_type": {"nl": "moet een lijst zijn", "en": "must be a list"},
    "validation_dict_type": {"nl": "moet een object zijn", "en": "must be an object"},
    "validation_model_type": {"nl": "moet een object zijn", "en": "must be an object"},
    "validation_model_attributes_type": {"nl": "moet een object zijn", "en": "must be an object"},
    "validation_date_parsing": {
        "nl": "geen geldige datum (jjjj-mm-dd)",
        "en": "not a valid date (yyyy-mm-dd)",
    },
    "validation_date_from_datetime_parsing": {
        "nl": "geen geldige datum (jjjj-mm-dd)",
        "en": "not a valid date (yyyy-mm-dd)",
    },
    "validation_date_from_datetime_inexact": {
        "nl": "geen geldige datum (jjjj-mm-dd)",
        "en": "not a valid date (yyyy-mm-dd)",
    },
    "validation_date_type": {"nl": "geen geldige datum (jjjj-mm-dd)", "en": "not a valid date (yyyy-mm-dd)"},
    "validation_value_error": {"nl": "ongeldige waarde", "en": "invalid value"},
    "body_not_json": {
        "nl": "De inhoud van het verzoek is geen leesbare JSON (UTF-8, niet te diep genest).",
        "en": "The request body is not readable JSON (UTF-8, not nested too deeply).",
    },
    "store_unavailable": {
        "nl": "De zoekindex is nu niet bereikbaar. Probeer het later opnieuw.",
        "en": "The search store is unavailable right now. Please try again later.",
    },
    "internal_error": {
        "nl": "Er ging iets mis; de fout is vastgelegd.",
        "en": "Something went wrong; the error was logged.",
    },
    # document metadata given by hand (a sidecar FILE.meta.json, or kb ingest --municipality ...)
    "metadata_unknown_field": {
        "nl": "Onbekend metadataveld '{field}' in {origin}; toegestaan: {allowed}.",
        "en": "Unknown metadata field '{field}' in {origin}; allowed: {allowed}.",
    },
    "metadata_invalid_date": {
        "nl": "Ongeldige datum voor {field} in {origin}: '{value}'; gebruik jjjj-mm-dd.",
        "en": "Invalid date for {field} in {origin}: '{value}'; use yyyy-mm-dd.",
    },
    "metadata_unknown_region": {
        "nl": "Onbekende regio in {origin}: '{value}'; bekend: {known}.",
        "en": "Unknown region in {origin}: '{value}'; known: {known}.",
    },
    "metadata_invalid_value": {
        "nl": "Ongeldige waarde voor {field} in {origin}: {value}; geef tekst (of null voor geen waarde).",
        "en": "Invalid value for {field} in {origin}: {value}; give text (or null for no value).",
    },
    "metadata_title_required": {
        "nl": "De titel in {origin} mag niet leeg zijn.",
        "en": "The title in {origin} must not be empty.",
    },
    "metadata_unreadable": {
        "nl": "Metadatabestand {origin} is onleesbaar: {reason}",
        "en": "Metadata file {origin} cannot be read: {reason}",
    },
    # ingestion and removal (the CLI)
    "prune_path_missing": {
        "nl": "'{path}' bestaat niet; met --prune wordt dan niets verwijderd. Controleer het pad.",
        "en": "'{path}' does not exist; with --prune nothing is removed then. Check the path.",
    },
    "prune_no_files": {
        "nl": "'{path}' bevat geen leesbaar bestand (PDF, DOCX, HTML, TXT, MD); met --prune wordt dan niets verwijderd.",
        "en": "'{path}' holds no readable file (PDF, DOCX, HTML, TXT, MD); with --prune nothing is removed then.",
    },
    "prune_needs_paths": {
        "nl": "--prune werkt alleen met opgegeven mappen: kb ingest MAP --prune.",
        "en": "--prune needs the folders to prune: kb ingest FOLDER --prune.",
    },
    "confirm_remove": {
        "nl": "{count} document(en) verwijderen?",
        "en": "Remove {count} document(s)?",
    },
    "confirm_needs_terminal": {
        "nl": "Niets verwijderd: bevestig met --yes (geen terminal om het te vragen).",
        "en": "Nothing removed: confirm with --yes (no terminal to ask on).",
    },
    "nothing_removed": {"nl": "Niets verwijderd.", "en": "Nothing removed."},
    "empty_store_ingest": {
        "nl": "De kennisbank is leeg: eerst wordt het corpus ingelezen ({corpus}).",
        "en": "The knowledge base is empty: ingesting the corpus first ({corpus}).",
    },
    # writing through the API: the key, uploads, jobs (a file's reason is shown next to its name)
    "api_key_missing": {
        "nl": "Voor deze actie is een API-sleutel nodig (Authorization: Bearer <sleutel>).",
        "en": "This action needs an API key (Authorization: Bearer <key>).",
    },
    "api_key_wrong": {"nl": "De API-sleutel klopt niet.", "en": "The API key is wrong."},
    "writes_disabled": {
        "nl": "Documenten toevoegen en verwijderen staat uit op deze server: de beheerder heeft er geen "
        "API-sleutel voor ingesteld (KB_API_KEY). Vraag de beheerder om het aan te zetten.",
        "en": "Adding and removing documents is disabled: no API key is configured (KB_API_KEY).",
    },
    "job_not_found": {"nl": "Taak '{job_id}' bestaat niet.", "en": "Job '{job_id}' does not exist."},
    "upload_no_files": {
        "nl": "Geen bestand ontvangen: stuur een of meer bestanden in het veld 'file'.",
        "en": "No file received: send one or more files in the field 'file'.",
    },
    "upload_too_many_files": {
        "nl": "Te veel bestanden ({count}, hoogstens {limit}).",
        "en": "Too many files ({count}, at most {limit}).",
    },
    "upload_not_multipart": {
        "nl": "Stuur de bestanden als multipart/form-data.",
        "en": "Send the files as multipart/form-data.",
    },
    "file_unsupported_type": {
        "nl": "bestandstype '{suffix}' wordt niet ondersteund; wel: {supported}.",
        "en": "file type '{suffix}' is not supported; supported: {supported}.",
    },
    "file_too_large": {
        "nl": "bestand te groot (hoogstens {limit} bytes).",
        "en": "file too large (at most {limit} bytes).",
    },
    "file_empty": {"nl": "het bestand is leeg.", "en": "the file is empty."},
    "file_not_ingested": {
        "nl": "niet ingelezen: {reason}",
        "en": "not ingested: {reason}",
    },
    "service_unreachable": {
        "nl": "De dienst op {url} antwoordt niet: {reason}",
        "en": "The service at {url} does not answer: {reason}",
    },
    "service_refused": {
        "nl": "De dienst weigerde het verzoek ({status}): {message}",
        "en": "The service refused the request ({status}): {message}",
    },
    "service_no_prune": {
        "nl": "--prune en --dry-run werken alleen direct op de opslag; stop eerst de dienst (kb serve).",
        "en": "--prune and --dry-run only work on the store directly; stop the service (kb serve) first.",
    },
    # notes on a search
    "compare_same_region": {
        "nl": "Kies twee verschillende regio's om te vergelijken (nu twee keer {region}).",
        "en": "Choose two different regions to compare (now {region} twice).",
    },
    "unknown_filter_value": {
        "nl": "Onbekende waarde voor {field_nl}: '{value}'. Bekend: {known}",
        "en": "Unknown value for {field_en}: '{value}'. Known: {known}",
    },
    "no_results": {"nl": "Geen resultaten.", "en": "No results."},
    "did_you_mean": {"nl": "Bedoelde u: “{suggestion}”", "en": "Did you mean: “{suggestion}”"},
    "offset_beyond_total": {
        "nl": "Deze pagina bestaat niet: er zijn {total} passages (offset {offset}); begin bij offset 0.",
        "en": "This page does not exist: there are {total} passages (offset {offset}); start at offset 0.",
    },
    # answers that abstain
    "no_answer": {
        "nl": "De kennisbank bevat geen passage die deze vraag beantwoordt.",
        "en": "The knowledge base contains no passage that answers this question.",
    },
    "no_answer_filtered": {
        "nl": "Geen passage binnen de gekozen filters beantwoordt deze vraag.",
        "en": "No passage within the chosen filters answers this question.",
    },
    "no_answer_region": {
        "nl": "Geen passage uit {region} beantwoordt deze vraag.",
        "en": "No passage from {region} answers this question.",
    },
    "not_mentioned": {
        "nl": "De documenten noemen {names} nergens.",
        "en": "The documents do not mention {names}.",
    },
    "looked_for": {"nl": "Gezocht naar {what}.", "en": "Looked for {what}."},
    "closest": {
        "nl": "Het dichtst in de buurt komen deze passages: {documents}.",
        "en": "The closest passages: {documents}.",
    },
    "closest_one": {
        "nl": "Het dichtst in de buurt komt deze passage: {documents}.",
        "en": "The closest passage: {documents}.",
    },
    "and": {"nl": "en", "en": "and"},
    "kind_amount": {"nl": "een aantal", "en": "a number"},
    "kind_money": {"nl": "een bedrag", "en": "a sum of money"},
    "kind_share": {"nl": "een percentage of aandeel", "en": "a percentage or share"},
    "kind_date": {"nl": "een datum of jaar", "en": "a date or year"},
    "kind_person": {"nl": "een naam", "en": "a person's name"},
    "kind_place": {"nl": "een gemeente of regio", "en": "a municipality or region"},
    "kind_organisation": {"nl": "een organisatie", "en": "an organisation"},
    "kind_agent": {"nl": "een persoon of organisatie", "en": "a person or organisation"},
    "kind_duration": {"nl": "een duur of termijn", "en": "a length of time"},
    "kind_contact": {
        "nl": "contactgegevens (adres, telefoon, e-mail)",
        "en": "contact details (address, phone, e-mail)",
    },
}


def render(code: str, params: dict[str, Any] | None = None, language: Language = "nl") -> str:
    """The message for ``code`` in ``language``, with its parameters filled in."""
    templates = MESSAGES.get(code) or MESSAGES["internal_error"]
    return templates.get(language, templates["nl"]).format(**(params or {}))


@dataclass(frozen=True)
class Note:
    """Something the user should know about a search that is not an error (an unknown filter value)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, language: Language = "nl") -> str:
        """The note as text."""
        return render(self.code, self.params, language)


class KnowledgeBaseError(Exception):
    """Base class of the knowledge base's own errors: a machine ``code`` and its ``params``."""

    default_code = "internal_error"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        self.code = code or self.default_code
        self.params = params
        super().__init__(self.render("en"))

    def render(self, language: Language = "nl") -> str:
        """The error as text."""
        return render(self.code, self.params, language)


class InvalidQueryError(KnowledgeBaseError):
    """The query or its filters cannot be searched as given (empty, too long, impossible dates)."""

    default_code = "invalid_request"


class InvalidMetadataError(KnowledgeBaseError):
    """Document metadata given by hand (sidecar file or command-line option) that cannot be used as given."""

    default_code = "metadata_invalid_value"


class DocumentNotFoundError(KnowledgeBaseError):
    """No document with that id is stored."""

    default_code = "document_not_found"

    def __init__(self, document_id: str) -> None:
        super().__init__("document_not_found", document_id=document_id)
        self.document_id = document_id


class OriginalFileNotFoundError(KnowledgeBaseError):
    """A stored document whose original file is not available."""

    default_code = "file_not_found"

    def __init__(self, document_id: str) -> None:
        super().__init__("file_not_found", document_id=document_id)


class AuthenticationError(KnowledgeBaseError):
    """A write without the API key, or with a wrong one (HTTP 401)."""

    default_code = "api_key_missing"


class WritesDisabledError(KnowledgeBaseError):
    """A write while no API key is configured: writing is switched off (HTTP 403)."""

    default_code = "writes_disabled"


class JobNotFoundError(KnowledgeBaseError):
    """No job with that id is known (never queued, or forgotten long after it finished)."""

    default_code = "job_not_found"

    def __init__(self, job_id: str) -> None:
        super().__init__("job_not_found", job_id=job_id)


class UploadRejectedError(KnowledgeBaseError):
    """An upload that cannot be queued as sent (no file, too many files, not multipart)."""

    default_code = "upload_no_files"


class RequestTooLargeError(KnowledgeBaseError):
    """A request body over its bound, found while it streamed in (HTTP 413)."""

    default_code = "body_too_large"


class ServiceError(KnowledgeBaseError):
    """The running service could not be reached, or refused what the command line asked of it."""

    default_code = "service_unreachable"


class PruneRefusedError(KnowledgeBaseError):
    """``prune`` was asked for sources that cannot be trusted to list what is still there (a path that
    does not exist, a folder without readable files): nothing is ingested or removed."""

    default_code = "prune_no_files"


class StoreUnavailableError(KnowledgeBaseError):
    """The store cannot be opened or queried (locked by another process, server down, ...).

    ``reason`` is for logs and the CLI; what a web client sees never holds a filesystem path.
    """

    default_code = "store_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__("store_unavailable")
        self.reason = reason

    def __str__(self) -> str:
        return self.reason
