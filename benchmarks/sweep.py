"""`manage.py benchmark sweep --beneficiaries N --due-fraction F`: how the isolation sweep scales.

Builds a throwaway association of N active beneficiaries with bulk inserts (one
INSERT ... SELECT FROM generate_series on PostgreSQL), a fraction F of them past their contact
deadline and spread over the whole table, then measures, in the same run:

- the sweep (seconds, alerts raised), then a second sweep (must raise nothing);
- a raw-SQL floor: one UPDATE ... RETURNING moving the same due rows' deadlines after locking
  them FOR UPDATE SKIP LOCKED (the least a sweep that may run twice at once must do), and the
  same UPDATE without the lock ("plain");
- a naive per-row ORM loop (lock, check, create the alert, save) timed on a sample of the
  due rows and scaled to all of them;
- the same sweep over 10x fewer beneficiaries with the same number due: its cost must follow
  the due rows, not the table;
- the same sweep in batches five times smaller: its cost must not depend on how the due rows
  are cut into batches (a cost that grows with the alerts already written shows here).

Each timed phase runs --repeat times from the same state (medians are reported), after an
untimed pass that warms the cache. It deletes everything it built. The sweep is the real one
and looks at the whole database, which is why it runs in a database of its own
(benchmarks.database) that holds nothing else.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from benchmarks.association import benchmark_association
from liens.models import Notification
from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, Beneficiary, IsolationAlert, Membership

TARGET, GRACE = 7, 2


def add_arguments(parser) -> None:
    parser.add_argument("--beneficiaries", type=int, default=100_000, help="Population size (default 100000).")
    parser.add_argument("--due-fraction", type=float, default=0.01, help="Share past their deadline (default 0.01).")
    parser.add_argument("--sample", type=int, default=200, help="Due rows timed for the naive per-row baseline.")
    parser.add_argument("--batch-size", type=int, default=None, help="Sweep batch size (default: the setting).")
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs of each phase; medians are reported.")


class _Population:
    """N beneficiaries of one throwaway association; every `stride`-th one is due."""

    def __init__(self, *, size: int, due: int, now):
        self.size, self.due, self.now = size, due, now
        self.stride = max(size // max(due, 1), 1)
        self.association, self.coordinator = benchmark_association(validated_at=now)
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            self._build_postgresql()
        else:
            self._build_portable()
        self.build_seconds = time.perf_counter() - started

    # Due rows: silent 10 to 14 days (deadline passed); the others: 0 to 6 days (not yet due).
    def _build_postgresql(self) -> None:
        silent = "make_interval(days => CASE WHEN g %% %(stride)s = 0 THEN 10 + g %% 5 ELSE g %% 7 END)"
        explicit = {
            "association_id": "%(association)s",
            "first_name": "'Prénom ' || g",
            "last_name": "'Nom ' || g",
            "status": "'active'",
            "consent_by": "'person'",
            "consent_on": "%(today)s",
            "referral_source": "'ccas'",
            "address": "'1 rue de la République'",
            "postcode": "'69002'",
            "city": "'Lyon'",
            "contact_target_days": str(TARGET),
            "contact_grace_days": str(GRACE),
            "created_at": "%(now)s - interval '60 days'",
            "followed_since": "%(now)s - interval '60 days'",
            "last_contact_at": f"%(now)s - {silent}",
            "alert_after": f"%(now)s - {silent} + interval '{TARGET + GRACE} days'",
        }
        params = {"association": self.association.pk, "now": self.now, "today": self.now.date()}
        params["stride"] = self.stride
        columns, expressions = [], []
        # Every other column takes the model's default, so a field added later needs no change here.
        for field in Beneficiary._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(connection.ops.quote_name(field.column))
            if field.column in explicit:
                expressions.append(explicit[field.column])
            else:
                key = f"default_{field.column}"
                params[key] = field.get_db_prep_save(field.get_default(), connection)
                expressions.append(f"%({key})s")
        params["size"] = self.size
        sql = (
            f"INSERT INTO missions_beneficiary ({', '.join(columns)}) "  # noqa: S608 - names come from the model
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %(size)s) AS g"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _build_portable(self) -> None:
        rows = []
        for g in range(1, self.size + 1):
            days = 10 + g % 5 if g % self.stride == 0 else g % 7
            last = self.now - datetime.timedelta(days=days)
            rows.append(
                Beneficiary(
                    association=self.association,
                    first_name=f"Prénom {g}",
                    last_name=f"Nom {g}",
                    status=Beneficiary.Status.ACTIVE,
                    consent_by=Beneficiary.ConsentBy.PERSON,
                    consent_on=self.now.date(),
                    referral_source=Beneficiary.ReferralSource.CCAS,
                    address="1 rue de la République",
                    postcode="69002",
                    city="Lyon",
                    contact_target_days=TARGET,
                    contact_grace_days=GRACE,
                    # Active means followed since some day (a check constraint), as above.
                    followed_since=self.now - datetime.timedelta(days=60),
                    last_contact_at=last,
                    alert_after=last + datetime.timedelta(days=TARGET + GRACE),
                )
            )
        Beneficiary.objects.bulk_create(rows, batch_size=500)

    def due_rows(self):
        return Beneficiary.objects.filter(association=self.association, alert_after__lte=self.now)

    def reset(self) -> None:
        """Back to the state just after the build: no alerts, the due rows due again."""
        alerts = IsolationAlert.objects.filter(association=self.association)
        AlertEvent.objects.filter(alert__in=alerts)._raw_delete(connection.alias)
        alerts._raw_delete(connection.alias)
        Notification.objects.filter(recipient=self.coordinator).delete()
        silent_since = self.now - datetime.timedelta(days=TARGET + GRACE)
        Beneficiary.objects.filter(association=self.association, last_contact_at__lt=silent_since).update(
            alert_after=F("last_contact_at") + datetime.timedelta(days=TARGET + GRACE)
        )
        _vacuum()

    def warm(self) -> None:
        """Touch every due row once, untimed, so no measured phase pays for a cold cache."""
        _vacuum()
        _floor(self, claim=False)
        self.reset()

    def drop(self) -> None:
        alerts = IsolationAlert.objects.filter(association=self.association)
        AlertEvent.objects.filter(alert__in=alerts)._raw_delete(connection.alias)
        alerts._raw_delete(connection.alias)
        Notification.objects.filter(recipient=self.coordinator).delete()
        Beneficiary.objects.filter(association=self.association)._raw_delete(connection.alias)
        Membership.objects.filter(association=self.association).delete()
        self.association.delete()
        self.coordinator.delete()
        _vacuum()


def _vacuum() -> None:
    # Fresh statistics and visibility maps between phases, so each one starts from the same
    # state; VACUUM cannot run inside a transaction (the tiny test runs in one), so skip it there.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE missions_beneficiary")
            cursor.execute("VACUUM ANALYZE missions_isolationalert")
            cursor.execute("VACUUM ANALYZE missions_alertevent")


def _floor(population: _Population, *, claim: bool) -> tuple[float, int]:
    """One UPDATE ... RETURNING moving every due row's deadline: the least work a sweep can do.

    With `claim`, the rows are first locked FOR UPDATE SKIP LOCKED, as any sweep that can run
    twice at once must; without, a bare UPDATE through the partial index.
    """
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            moved = population.due_rows().update(alert_after=population.now + datetime.timedelta(days=5))
        elif claim:
            cursor.execute(
                "UPDATE missions_beneficiary SET alert_after = alert_after + interval '5 days'"
                " WHERE ctid = ANY(ARRAY(SELECT ctid FROM missions_beneficiary"
                "  WHERE alert_after IS NOT NULL AND alert_after <= %s ORDER BY alert_after LIMIT %s"
                "  FOR UPDATE SKIP LOCKED)) RETURNING id",
                [population.now, population.due],
            )
            moved = len(cursor.fetchall())
        else:
            cursor.execute(
                "UPDATE missions_beneficiary SET alert_after = alert_after + interval '5 days'"
                " WHERE alert_after IS NOT NULL AND alert_after <= %s RETURNING id",
                [population.now],
            )
            moved = len(cursor.fetchall())
    return time.perf_counter() - started, moved


def _naive(population: _Population, *, sample: int) -> tuple[float, int]:
    """The per-row ORM loop the sweep replaces: one transaction and four queries per row."""
    now = population.now
    ids = list(population.due_rows().order_by("alert_after").values_list("pk", flat=True)[:sample])
    started = time.perf_counter()
    for pk in ids:
        with transaction.atomic():
            beneficiary = Beneficiary.objects.select_for_update().get(pk=pk)
            deadline = beneficiary.contact_deadline()
            open_alert = IsolationAlert.objects.filter(
                beneficiary=beneficiary, kind=IsolationAlert.Kind.NO_CONTACT, resolved_at__isnull=True
            ).first()
            if open_alert is None:
                IsolationAlert.objects.create(
                    beneficiary=beneficiary,
                    association_id=beneficiary.association_id,
                    kind=IsolationAlert.Kind.NO_CONTACT,
                    severity=IsolationAlert.Severity.LATE,
                    started_at=deadline,
                    raised_at=now,
                    escalate_after=now + datetime.timedelta(hours=24),
                )
            beneficiary.alert_after = deadline + datetime.timedelta(days=TARGET - GRACE)
            beneficiary.save(update_fields=["alert_after"])
    return time.perf_counter() - started, len(ids)


def _sweep(*, now, batch_size) -> tuple[float, int]:
    started = time.perf_counter()
    result = isolation_sweep(now=now, batch_size=batch_size)
    return time.perf_counter() - started, result.raised


def run(
    *,
    beneficiaries: int,
    due_fraction: float,
    sample: int = 200,
    batch_size: int | None = None,
    repeat: int = 3,
    **_,
) -> dict:
    """Build, measure, clean up; return the figures (one JSON line in the command)."""
    now = timezone.now()
    due = max(round(beneficiaries * due_fraction), 1)
    figures: dict = {"vendor": connection.vendor, "beneficiaries": beneficiaries, "due": due, "repeat": repeat}

    # Warm up as a running worker is: URLconf imported, templates compiled, code paths taken.
    warm = _Population(size=10, due=1, now=now)
    try:
        _sweep(now=now, batch_size=batch_size)
    finally:
        warm.drop()

    # The small population first: its cost must follow the due rows, not the table size.
    small = _Population(size=max(beneficiaries // 10, due), due=due, now=now)
    try:
        small.warm()
        figures["small_beneficiaries"] = small.size
        runs = []
        for _ in range(repeat):
            runs.append(_sweep(now=now, batch_size=batch_size))
            small.reset()
        figures["small_sweep_seconds"] = statistics.median(seconds for seconds, _ in runs)
        figures["small_sweep_alerts"] = runs[0][1]
    finally:
        small.drop()

    population = _Population(size=beneficiaries, due=due, now=now)
    try:
        figures["build_seconds"] = round(population.build_seconds, 3)
        population.warm()
        # Each phase `repeat` times from the same state, interleaved so that drifts in the
        # machine's load hit all three alike; the medians are reported.
        floors, plains, sweeps, seconds, smaller = [], [], [], [], []
        batch = batch_size or settings.LIENS_SWEEP_BATCH
        small_batch = max(batch // 5, 1)
        for _ in range(repeat):
            floors.append(_floor(population, claim=True))
            population.reset()
            plains.append(_floor(population, claim=False))
            population.reset()
            sweeps.append(_sweep(now=now, batch_size=batch_size))
            seconds.append(_sweep(now=now, batch_size=batch_size))
            population.reset()
            smaller.append(_sweep(now=now, batch_size=small_batch))
            population.reset()
        if hasattr(os, "getloadavg"):  # the machine's load while it ran, to read the times by
            figures["load_average_1min"] = round(os.getloadavg()[0], 2)
        figures["floor_seconds"] = statistics.median(t for t, _ in floors)
        figures["floor_rows"] = floors[0][1]
        figures["floor_plain_seconds"] = statistics.median(t for t, _ in plains)
        figures["sweep_seconds"] = statistics.median(t for t, _ in sweeps)
        figures["sweep_seconds_runs"] = [round(t, 3) for t, _ in sweeps]
        figures["alerts_raised"] = sweeps[0][1]
        figures["second_sweep_seconds"] = statistics.median(t for t, _ in seconds)
        figures["second_sweep_alerts"] = max(n for _, n in seconds)
        figures["small_batches_size"] = small_batch
        figures["small_batches_sweep_seconds"] = statistics.median(t for t, _ in smaller)
        figures["small_batches_sweep_alerts"] = smaller[0][1]
        naive_seconds, timed = _naive(population, sample=sample)
        figures["naive_sample"] = timed
        figures["naive_seconds_scaled"] = naive_seconds * due / timed if timed else None
    finally:
        population.drop()

    for key, value in list(figures.items()):
        if isinstance(value, float):
            figures[key] = round(value, 4)
    floor, sweep = figures["floor_seconds"], figures["sweep_seconds"]
    figures["sweep_over_floor"] = round(sweep / floor, 2) if floor else None
    plain = figures["floor_plain_seconds"]
    figures["sweep_over_plain_floor"] = round(sweep / plain, 2) if plain else None
    figures["batch_size"] = batch
    figures["naive_over_sweep"] = round(figures["naive_seconds_scaled"] / sweep, 1) if sweep and timed else None
    figures["target_met"] = sweep <= 2.0 and (floor == 0 or sweep <= 3 * floor)
    return figures
