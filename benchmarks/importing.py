"""`manage.py benchmark import --rows N [--invalid-percent P] [--tracemalloc]`: a spreadsheet of
N people checked, then imported, as the import tasks do it.

Writes a realistic CSV the way French Excel saves one (semicolons, UTF-8 with BOM, French
headers and values: names, street addresses, real postcodes and towns, mobile phones, referrers,
consent dates, interests, a person to contact for some), every person distinct; with
--invalid-percent, that share of rows carries a mistake (a four-digit postcode, a year with a
letter, an unknown referrer) and the valid rows only are imported. Then, in the same process:
upload (import_job_create: size cap, row limit, row count), check (import_job_check, what the
import_check task runs), confirm, import (import_job_run, what the import_run task runs).

Prints the seconds of each phase, rows per second over the three, the rows written, the errors
reported, and memory: how far the process's peak resident size grew past its size before the
upload (the file itself already built), and with --tracemalloc the peak of Python allocations
in each phase (tracing slows Python code: the timings of such a run say so with "traced":
true). It runs in a database of its own (benchmarks.database).
"""

from __future__ import annotations

import io
import random
import resource
import sys
import time
import tracemalloc

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from benchmarks.association import benchmark_association
from liens.geocoding import DATA_FILE
from missions.association import importing
from missions.association.imports import import_job_check, import_job_confirm, import_job_create, import_job_run
from missions.models import Beneficiary, ImportJob, KeyContact

FIRST_NAMES = [
    "Jeanne",
    "Marie",
    "Germaine",
    "Yvette",
    "Odette",
    "Simone",
    "Paulette",
    "Suzanne",
    "Madeleine",
    "Denise",
    "Marcelle",
    "Lucienne",
    "Renée",
    "Colette",
    "Raymonde",
    "Ginette",
    "Monique",
    "Jacqueline",
    "Huguette",
    "Andrée",
    "Hélène",
    "Thérèse",
    "Geneviève",
    "Françoise",
    "Éliane",
    "Josette",
    "Micheline",
    "Arlette",
    "Lucette",
    "Solange",
    "Marcel",
    "Roger",
    "René",
    "André",
    "Georges",
    "Louis",
    "Henri",
    "Lucien",
    "Maurice",
    "Raymond",
    "Robert",
    "Pierre",
    "Jean",
    "Jacques",
    "Paul",
    "Émile",
    "Fernand",
    "Albert",
    "Gaston",
    "Marius",
    "Léon",
    "Gérard",
    "Bernard",
    "Claude",
    "Michel",
    "Yves",
    "Guy",
    "Roland",
    "Gilbert",
    "Édouard",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèbvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Marie",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
]
STREETS = (
    "rue de la République",
    "rue Victor Hugo",
    "avenue Jean Jaurès",
    "place Sathonay",
    "rue d'Austerlitz",
    "rue Dumenge",
    "boulevard de la Croix-Rousse",
    "montée de la Grande Côte",
    "rue des Tables Claudiennes",
    "chemin des Vignes",
    "allée des Tilleuls",
    "impasse du Moulin",
)
NEIGHBOURHOODS = ("", "", "Croix-Rousse", "Centre", "Les Pentes", "Vieux bourg", "La Gare")
REFERRERS = ("CCAS", "CLIC", "médecin traitant", "hôpital", "famille", "voisin", "la personne", "prescription sociale")
INTERESTS = ("cartes", "jardinage", "lecture", "musique", "tricot", "promenade", "mots fléchés", "histoire", "")
LANGUAGES = ("français", "français", "français", "français, arabe", "français, espagnol", "")
RELATIONS = ("fille", "fils", "nièce", "voisine", "neveu")
HEADER = [
    "Prénom",
    "Nom",
    "Année de naissance",
    "Téléphone",
    "Adresse",
    "Code postal",
    "Ville",
    "Quartier",
    "Orienté par",
    "Motif",
    "Consentement donné par",
    "Date du consentement",
    "Centres d'intérêt",
    "Langues",
    "APA heures de lien social",
    "Proche à prévenir",
    "Téléphone du proche",
    "Lien avec le proche",
]


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="People in the file (default 100000).")
    parser.add_argument(
        "--invalid-percent", type=float, default=0.0, help="Share of rows with a mistake, in percent (default 0)."
    )
    parser.add_argument(
        "--tracemalloc",
        dest="trace",
        action="store_true",
        help="Also trace Python allocations (slower; timings marked traced).",
    )
    parser.add_argument("--seed", type=int, default=19)


def _postcodes() -> list[tuple[str, str]]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        next(handle)
        return [tuple(line.split(",")[:2]) for line in handle if line.strip()]


def _phone(rng: random.Random, prefix: str) -> str:
    return " ".join([prefix, *(f"{rng.randint(0, 99):02d}" for _ in range(4))])


def csv_content(*, rows: int, invalid_percent: float = 0.0, seed: int = 19) -> tuple[bytes, int]:
    """A CSV of `rows` distinct people as French Excel writes it, and how many rows are wrong."""
    places = _postcodes()
    pairs = len(FIRST_NAMES) * len(LAST_NAMES)
    if rows > pairs * len(places):
        raise CommandError(f"--rows: at most {pairs * len(places)} distinct people")
    rng = random.Random(seed)
    today = timezone.localdate()
    buffer = io.StringIO()
    buffer.write("\ufeff" + ";".join(HEADER) + "\r\n")
    invalid = 0
    for n in range(rows):
        # Every person distinct (first name, last name, postcode): the file has no duplicates.
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        postcode, city = places[n // pairs]
        consent = rng.random() < 0.6
        contact = rng.random() < 0.4
        cells = [
            first,
            last,
            str(rng.randint(1925, 1960)),
            _phone(rng, "06"),
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            postcode,
            city,
            rng.choice(NEIGHBOURHOODS),
            rng.choice(REFERRERS),
            "Vit seule depuis le décès de son conjoint" if rng.random() < 0.3 else "",
            "la personne" if consent else "",
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{today.year - 1}" if consent else "",
            ", ".join(sorted({rng.choice(INTERESTS), rng.choice(INTERESTS)} - {""})),
            rng.choice(LANGUAGES),
            rng.choice(("oui", "non", "")),
            f"{rng.choice(FIRST_NAMES)} {last}" if contact else "",
            _phone(rng, "07") if contact else "",
            rng.choice(RELATIONS) if contact else "",
        ]
        if rng.random() * 100 < invalid_percent:
            invalid += 1
            mistake = rng.randrange(3)
            if mistake == 0:
                cells[5] = postcode[:4]
            elif mistake == 1:
                cells[2] = "19x0"
            else:
                cells[8] = "boulangerie"
        buffer.write(";".join(cells) + "\r\n")
    return buffer.getvalue().encode("utf-8"), invalid


def _rss_now_kb() -> int:
    """The process's resident size now (Linux), in kB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def _peak_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def run(*, rows: int, invalid_percent: float = 0.0, trace: bool = False, seed: int = 19, **_options) -> dict:
    """Build the file, upload, check, confirm and import it; returns the figures."""
    if rows < 1:
        raise CommandError("--rows must be at least 1")
    if not 0 <= invalid_percent <= 100:
        raise CommandError("--invalid-percent must be between 0 and 100")
    association, coordinator = benchmark_association(validated_at=timezone.now())
    content, invalid_rows = csv_content(rows=rows, invalid_percent=invalid_percent, seed=seed)
    importing._header_index()  # noqa: SLF001 (warm the translation catalogues outside the timings)

    # Above the settings' limits when asked for a bigger file than they take: the benchmark
    # measures the import, the limits have their own tests.
    limits = {
        "LIENS_IMPORT_MAX_ROWS": max(settings.LIENS_IMPORT_MAX_ROWS, rows),
        "LIENS_IMPORT_MAX_BYTES": max(settings.LIENS_IMPORT_MAX_BYTES, len(content)),
    }
    rss_before = _rss_now_kb()
    peaks = {}

    def phase_done(name: str) -> None:
        if trace:
            peaks[name] = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()

    if trace:
        tracemalloc.start()
    with override_settings(**limits):
        started = time.perf_counter()
        job = import_job_create(association=association, by=coordinator, filename="beneficiaires.csv", content=content)
        upload_seconds = time.perf_counter() - started
        phase_done("upload")
        started = time.perf_counter()
        job = import_job_check(job_id=job.pk)
        validate_seconds = time.perf_counter() - started
        phase_done("validate")
        if job.status != ImportJob.Status.VALIDATED:
            raise CommandError(f"the check failed: {job.error}")
        job = import_job_confirm(job=job, by=coordinator, valid_only=bool(job.invalid_count))
        started = time.perf_counter()
        job = import_job_run(job_id=job.pk)
        import_seconds = time.perf_counter() - started
        phase_done("import")
    if trace:
        tracemalloc.stop()
    peak_growth_kb = max(_peak_rss_kb() - rss_before, 0)

    written = Beneficiary.objects.filter(association=association).count()
    figures = {
        "vendor": connection.vendor,
        "rows": rows,
        "file_mb": round(len(content) / 1024 / 1024, 2),
        "invalid_rows_made": invalid_rows,
        "upload_seconds": round(upload_seconds, 3),
        "validate_seconds": round(validate_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "total_seconds": round(upload_seconds + validate_seconds + import_seconds, 3),
        "rows_per_second": round(rows / (upload_seconds + validate_seconds + import_seconds), 1),
        "status": job.status,
        "rows_written": written,
        "key_contacts_written": KeyContact.objects.filter(beneficiary__association=association).count(),
        "errors": job.invalid_count,
        "report_entries": len(job.report),
        "peak_rss_growth_mb": round(peak_growth_kb / 1024, 1),
        # Python's own allocations at their highest in each phase: the upload's follows the
        # file's size (the stored file's copies), the check's and the import's must not follow
        # its rows.
        "tracemalloc_peak_mb": {name: round(peak / 1024 / 1024, 1) for name, peak in peaks.items()} or None,
        "traced": trace,
    }
    # The rows stay: the benchmark's database is dropped with them (benchmarks.database).
    return figures
