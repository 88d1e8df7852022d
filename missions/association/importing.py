"""Reading and checking spreadsheets of beneficiaries (CSV or XLSX). Pure: no writes.

Associations keep their people in spreadsheets, with French headers, semicolons and dates as
they come. Each column is recognised by its French or English header (accents, case and
punctuation ignored); each value is parsed and checked with the same rules as the form, and
every problem is reported with its line number, its column and a message in the reader's
language.
"""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.choices import Interest, Language, VisitorPreference
from missions.models import Association, Beneficiary, KeyContact

from .beneficiaries import beneficiary_problems, text_length_problems


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX we can read; the message says why, in the user's language."""


def fold(text) -> str:
    """Lower case, no accents, words joined by single spaces: how headers and choices compare."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Column:
    key: str
    header_fr: str
    label: object  # lazy English msgid, shown translated in reports
    required: bool = False


COLUMNS = (
    Column("first_name", "Prénom", gettext_lazy("First name"), required=True),
    Column("last_name", "Nom", gettext_lazy("Last name"), required=True),
    Column("birth_year", "Année de naissance", gettext_lazy("Year of birth")),
    Column("phone", "Téléphone", gettext_lazy("Phone")),
    Column("address", "Adresse", gettext_lazy("Address"), required=True),
    Column("postcode", "Code postal", gettext_lazy("Postcode"), required=True),
    Column("city", "Ville", gettext_lazy("City"), required=True),
    Column("neighbourhood", "Quartier", gettext_lazy("Neighbourhood")),
    Column("referral_source", "Orienté par", gettext_lazy("Referred by"), required=True),
    Column("referrer_name", "Nom de l'orienteur", gettext_lazy("Referrer")),
    Column("referrer_contact", "Contact de l'orienteur", gettext_lazy("Referrer contact")),
    Column("referral_reason", "Motif", gettext_lazy("Reason for referral")),
    Column("consent_by", "Consentement donné par", gettext_lazy("Consent given by")),
    Column("consent_on", "Date du consentement", gettext_lazy("Consent date")),
    Column("interests", "Centres d'intérêt", gettext_lazy("Interests")),
    Column("languages", "Langues", gettext_lazy("Languages")),
    Column("visitor_preference", "Visiteur souhaité", gettext_lazy("Preferred visitor")),
    Column("best_times", "Meilleurs moments", gettext_lazy("Best times")),
    Column("contact_target_days", "Objectif de contact (jours)", gettext_lazy("Contact target (days)")),
    Column("apa_social_hours", "APA heures de lien social", gettext_lazy("APA social-tie hours")),
    Column("contact_name", "Proche à prévenir", gettext_lazy("Person to contact")),
    Column("contact_phone", "Téléphone du proche", gettext_lazy("Their phone")),
    Column("contact_relation", "Lien avec le proche", gettext_lazy("Their relation")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# The person-to-contact columns and the KeyContact fields they are stored in.
KEY_CONTACT_COLUMNS = {"contact_name": "name", "contact_phone": "phone", "contact_relation": "relation"}


def template_csv() -> str:
    """The downloadable template: the French header line, semicolon-separated as French Excel writes."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow([column.header_fr for column in COLUMNS])
    return buffer.getvalue()


def _header_index() -> dict[str, str]:
    index = {}
    for column in COLUMNS:
        index[fold(column.key)] = column.key
        index[fold(column.header_fr)] = column.key
        with translation.override("en"):
            index[fold(column.label)] = column.key
    return index


# --- reading --------------------------------------------------------------------------------

Row = tuple[int, list]  # (line number in the file, cell values)

# Columns read from a spreadsheet: the template has 23; anything past this is not ours.
MAX_COLUMNS = 64


class TooManyRows(UnreadableFile):
    """More rows than an import takes; raised as soon as the row past the limit is read."""

    def __init__(self, limit: int):
        super().__init__(_("This file has more than %(max)s rows: split it.") % {"max": limit})
        self.limit = limit


@contextmanager
def open_table(
    *, filename: str, content: bytes, max_rows: int | None = None
) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """The header and an iterator over the non-empty rows of a CSV or XLSX file, with their
    line numbers.

    Rows are read one at a time as the iterator is consumed, so a sheet of any length costs the
    memory of one row; the iterator raises TooManyRows at the first row past `max_rows` (or past
    twice as many lines, blank ones included), so an oversized sheet costs the time of
    `max_rows` rows, not of its whole length.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(content)
    elif name.endswith((".csv", ".txt")):
        lines = _csv_lines(content)
    else:
        raise UnreadableFile(_("Upload a .csv or .xlsx file."))
    try:
        first = next(lines, None)
        if first is None or not any(_filled(cell) for cell in first[1]):
            raise UnreadableFile(_("This file is empty."))
        header = [_text(cell) if _filled(cell) else "" for cell in first[1]]
        yield header, _filled_rows(lines, max_rows)
    finally:
        lines.close()


def _filled_rows(lines: Iterator[Row], max_rows: int | None) -> Iterator[Row]:
    kept = 0
    for read, (line, values) in enumerate(lines, start=1):
        if any(_filled(value) for value in values):
            kept += 1
            if max_rows is not None and kept > max_rows:
                raise TooManyRows(max_rows)
            yield line, values
        if max_rows is not None and read > 2 * max_rows:
            raise TooManyRows(max_rows)


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


# Slices of the file checked at a time for its encoding: the file is never decoded whole.
_DECODE_SLICE = 1024 * 1024


def _encoding(content: bytes) -> str:
    """The file's text encoding, UTF-8 (with or without BOM) or else Windows-1252."""
    view = memoryview(content)
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), _DECODE_SLICE):
                decoder.decode(view[start : start + _DECODE_SLICE])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        # A NUL is never in a text spreadsheet: the file is UTF-16 or not text at all. Refused
        # here, it never reaches the database (which cannot store it in text).
        if b"\x00" in content:
            raise UnreadableFile(_("This file has characters that are not text: save it as CSV UTF-8."))
        return encoding
    raise UnreadableFile(_("This file's text encoding could not be read: save it as CSV UTF-8."))


def _csv_lines(content: bytes) -> Iterator[Row]:
    encoding = _encoding(content)
    end = content.find(b"\n")
    first_line = content[: end if end >= 0 else len(content)]
    # French spreadsheets write semicolons (the comma is the decimal mark); others write commas.
    delimiter = max(";,\t", key=lambda mark: first_line.count(mark.encode()))
    # Decoded as the reader goes: the file's text is never held whole beside its bytes.
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            yield start, record[:MAX_COLUMNS]
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(_("Line %(line)s could not be read: %(error)s") % {"line": start, "error": exc}) from exc


def _xlsx_lines(content: bytes) -> Iterator[Row]:
    import openpyxl  # heavy (about as long as the rest of the app to load): only for .xlsx files

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFile(_("This is not a readable .xlsx file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            yield line, list(values)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFile(_("This is not a readable .xlsx file.")) from exc
    finally:
        workbook.close()


def header_problems(header: list[str]) -> list[str]:
    """Required columns missing from a header, as translated column names."""
    index = _header_index()
    present = {index.get(fold(cell)) for cell in header}
    return [str(c.label) for c in COLUMNS if c.required and c.key not in present]


# --- parsing values -------------------------------------------------------------------------


class BadValue(ValueError):
    pass


def _choices(enum, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Folded label (French and English) or code → code."""
    table = {}
    for value, label in enum.choices:
        table[fold(value)] = value
        for language in ("fr", "en"):
            with translation.override(language):
                table[fold(label)] = value
    table.update({fold(k): v for k, v in (extra or {}).items()})
    return table


def _referral_choices():
    return _choices(
        Beneficiary.ReferralSource,
        {
            "medecin": "gp",
            "medecin traitant": "gp",
            "hopital": "hospital",
            "voisin": "neighbour",
            "voisine": "neighbour",
            "voisinage": "neighbour",
            "elle meme": "self",
            "lui meme": "self",
            "la personne": "self",
            "soi meme": "self",
            "prescription sociale": "link_worker",
            "referent parcours": "link_worker",
        },
    )


def _consent_choices():
    return _choices(
        Beneficiary.ConsentBy,
        {"personne": "person", "elle meme": "person", "lui meme": "person", "representant": "representative",
         "tuteur": "representative", "tutrice": "representative", "curateur": "representative",
         "curatrice": "representative"},
    )  # fmt: skip


def _visitor_choices():
    return _choices(
        VisitorPreference, {"indifferent": "any", "femme": "female", "homme": "male", "woman": "female", "man": "male"}
    )


def _one(value, table: dict[str, str]) -> str:
    code = table.get(fold(value))
    if code is None:
        raise BadValue(_("“%(value)s” is not one of the accepted values.") % {"value": value})
    return code


def _many(value, table: dict[str, str]) -> list[str]:
    codes, unknown = [], []
    for part in re.split(r"[,;/+]", str(value)):
        if not part.strip():
            continue
        code = table.get(fold(part))
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise BadValue(_("Unknown: %(values)s.") % {"values": ", ".join(unknown)})
    return codes


def _date(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    raise BadValue(_("Write the date as DD/MM/YYYY."))


def _int(value) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,4}", text):
        raise BadValue(_("Write a whole number."))
    return int(text)


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    folded = fold(value)
    if folded in {"oui", "yes", "o", "y", "x", "1", "vrai", "true"}:
        return True
    if folded in {"non", "no", "n", "0", "faux", "false", ""}:
        return False
    raise BadValue(_("Write yes or no."))


def _postcode(value) -> str:
    if isinstance(value, int | float):
        # Spreadsheets store 01000 as the number 1000: put the leading zero back.
        return f"{int(value):05d}"
    return str(value).strip().replace(" ", "")


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Control characters (a NUL from a spreadsheet cell among them) are never part of a name
    # or an address, and the database refuses a NUL in text.
    return " ".join(CONTROL_CHARACTERS.sub(" ", str(value)).split())


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


# --- checking rows --------------------------------------------------------------------------


def _parsers() -> dict[str, Callable]:
    referral, consent, visitor = _referral_choices(), _consent_choices(), _visitor_choices()
    interests = _choices(
        Interest,
        {"cartes": "cards", "jeux": "board_games", "marche": "walking", "balades": "walking", "promenade": "walking",
         "tricot": "knitting", "couture": "knitting", "peinture": "art", "dessin": "art", "histoire": "history",
         "informatique": "technology", "animaux": "pets", "actualite": "news", "mots fleches": "crosswords"},
    )  # fmt: skip
    languages = _choices(Language, {"francais": "fr", "anglais": "en", "arabe": "ar", "espagnol": "es", "lsf": "lsf"})
    return {
        "birth_year": _int,
        "postcode": _postcode,
        "referral_source": lambda v: _one(v, referral),
        "consent_by": lambda v: _one(v, consent),
        "consent_on": _date,
        "interests": lambda v: _many(v, interests),
        "languages": lambda v: _many(v, languages),
        "visitor_preference": lambda v: _one(v, visitor),
        "contact_target_days": _int,
        "apa_social_hours": _bool,
    }


def to_service_fields(data: dict) -> tuple[dict, list[dict]]:
    """A checked row's stored data → keyword arguments of beneficiary_create, and its key contacts."""
    fields = {k: v for k, v in data.items() if not k.startswith("contact_") or k == "contact_target_days"}
    if fields.get("consent_on"):
        fields["consent_on"] = datetime.date.fromisoformat(fields["consent_on"])
    contacts = []
    if data.get("contact_name"):
        contacts.append(
            {
                "kind": KeyContact.Kind.FAMILY,
                "name": data["contact_name"],
                "phone": data.get("contact_phone", ""),
                "relation": data.get("contact_relation", ""),
            }
        )
    return fields, contacts


def check_rows(
    *, association: Association, header: list[str], rows: Iterable[Row]
) -> Iterator[tuple[dict, list[dict]]]:
    """Parse and check each row as it is read: yields (the row as stored on the job, its problems).

    A stored row is {"line", "data", "valid"}; a problem is {"line", "field", "message"}, the
    field being the column's header as written in the file. Missing columns are reported once,
    with the first row, and make every row invalid. People already followed and people twice in
    the file are found in a set and a dict, never by a query per row.
    """
    index = _header_index()
    positions = {}
    for position, cell in enumerate(header):
        key = index.get(fold(cell))
        if key and key not in positions:
            positions[key] = position
    shown = {key: (header[pos] or str(COLUMN_BY_KEY[key].label)) for key, pos in positions.items()}
    missing = header_problems(header)
    pending: list[dict] = []
    if missing:
        pending.append(
            {"line": 1, "field": "", "message": _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}}
        )
    parsers = _parsers()
    existing = {
        (fold(first), fold(last), postcode)
        for first, last, postcode in association.beneficiaries.exclude(status=Beneficiary.Status.ENDED).values_list(
            "first_name", "last_name", "postcode"
        )
    }
    seen: dict[tuple, int] = {}
    for line, values in rows:
        data, problems = {}, []
        for key, position in positions.items():
            value = values[position] if position < len(values) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                data[key] = parsers.get(key, _text)(value)
            except BadValue as exc:
                problems.append((key, str(exc)))
        for key in ("first_name", "last_name", "address", "postcode", "city", "referral_source"):
            if key not in data and not any(p[0] == key for p in problems):
                data.setdefault(key, "")
        service_fields, _contacts = to_service_fields(data)
        for field, message in beneficiary_problems(service_fields):
            if not any(p[0] == field for p in problems):
                problems.append((field, message))
        problems += [
            problem
            for problem in text_length_problems(KeyContact, data, names=KEY_CONTACT_COLUMNS)
            if problem[0] in KEY_CONTACT_COLUMNS and not any(p[0] == problem[0] for p in problems)
        ]
        if data.get("contact_phone") and not data.get("contact_name"):
            problems.append(("contact_name", _("Give the name of the person to contact.")))
        identity = (fold(data.get("first_name")), fold(data.get("last_name")), data.get("postcode"))
        if not problems and identity in existing:
            problems.append(("last_name", _("This person is already followed by the association.")))
        elif not problems and identity in seen:
            problems.append(("last_name", _("Same person as line %(line)s.") % {"line": seen[identity]}))
        if not problems:
            seen[identity] = line
        report = pending + [
            {
                "line": line,
                "field": shown.get(field) or (str(COLUMN_BY_KEY[field].label) if field in COLUMN_BY_KEY else field),
                "message": message,
            }
            for field, message in problems
        ]
        pending = []
        yield {"line": line, "data": data, "valid": not problems and not missing}, report
