"""Telling staff about alerts, through the outbox only (liens.notify.notify).

New and risen alerts go to the association's coordinators (its managers when it has none):
no-contact ones as one digest per association and sweep batch, urgent ones one by one, at once
and by SMS too. Escalations go to coordinators again (level 1), then to managers (level 2).
Every message has a dedup key derived from the alert change it reports, so writing it twice
sends it once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import NamedTuple

from django.urls import reverse

from liens.notify import notify, site_url

from ..models import Association, Beneficiary, IsolationAlert, Membership, VisitReport

# A digest names this many people; the rest are counted and one link leads to the queue.
DIGEST_NAMES = 10


class RaisedItem(NamedTuple):
    """An alert raised or risen, as a message reports it."""

    alert_id: int
    beneficiary_id: int
    association_id: int
    kind: str
    severity: int
    previous_severity: int | None


def staff_to_tell(*, association_ids: list[int], role: str) -> dict[int, list]:
    """Staff with `role` per association; an association without any falls back to all its staff.

    One query whatever the number of associations.
    """
    by_association: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    memberships = Membership.objects.filter(association_id__in=association_ids, user__is_active=True).select_related(
        "user"
    )
    for membership in memberships.order_by("pk"):
        by_association[membership.association_id][membership.role].append(membership.user)
    chosen: dict[int, list] = {}
    for association_id, roles in by_association.items():
        chosen[association_id] = roles.get(role) or [user for users in roles.values() for user in users]
    return chosen


def _item_context(item: RaisedItem, names: dict[int, str]) -> dict:
    return {
        "name": names.get(item.beneficiary_id, ""),
        "kind": IsolationAlert.Kind(item.kind).label,
        "severity": IsolationAlert.Severity(item.severity).label,
        "severity_value": item.severity,
        "previous": IsolationAlert.Severity(item.previous_severity).label if item.previous_severity else None,
        "url": site_url(reverse("alerts:detail", args=[item.alert_id])),
    }


def alerts_raised_notify(*, items: list[RaisedItem]) -> int:
    """Write one no-contact digest per association and coordinator for `items`. Idempotent:
    the dedup key is made of the (alert, severity) changes it reports. Returns rows written."""
    if not items:
        return 0
    grouped: dict[int, list[RaisedItem]] = defaultdict(list)
    for item in items:
        grouped[item.association_id].append(item)
    recipients = staff_to_tell(association_ids=list(grouped), role=Membership.Role.COORDINATOR)
    names_wanted = [item.beneficiary_id for group in grouped.values() for item in _worst_first(group)[:DIGEST_NAMES]]
    names = {
        b.pk: b.display_name
        for b in Beneficiary.objects.filter(pk__in=names_wanted).only("first_name", "last_name", "erased_at")
    }
    association_names = dict(Association.objects.filter(pk__in=list(grouped)).values_list("pk", "name"))
    written = 0
    for association_id, group in grouped.items():
        ordered = _worst_first(group)
        changes = ",".join(f"{item.alert_id}:{item.severity}" for item in sorted(group))
        digest = hashlib.sha256(changes.encode()).hexdigest()[:24]
        context = {
            "association": association_names.get(association_id, ""),
            "items": [_item_context(item, names) for item in ordered[:DIGEST_NAMES]],
            "count": len(group),
            "more": max(len(group) - DIGEST_NAMES, 0),
            "queue_url": site_url(reverse("alerts:queue")),
        }
        for user in recipients.get(association_id, []):
            written += len(
                notify(
                    recipient=user,
                    kind="alert_raised",
                    context=context,
                    dedup_key=f"alerts:{association_id}:raised:{digest}:{user.pk}",
                )
            )
    return written


def _worst_first(items: list[RaisedItem]) -> list[RaisedItem]:
    return sorted(items, key=lambda item: (-item.severity, item.alert_id))


def alert_urgent_notify(*, alert: IsolationAlert, concerns: list[str], step: str) -> int:
    """Tell the coordinators about an urgent concern at once, email and SMS. Idempotent per
    alert and `step` (the event that prompted it). Returns rows written."""
    recipients = staff_to_tell(association_ids=[alert.association_id], role=Membership.Role.COORDINATOR)
    labels = dict(VisitReport.Concern.choices)
    concerns = [labels.get(code, code) for code in concerns]
    item = RaisedItem(alert.pk, alert.beneficiary_id, alert.association_id, alert.kind, alert.severity, None)
    context = {
        "association": alert.association.name,
        "items": [_item_context(item, {alert.beneficiary_id: alert.beneficiary.display_name})],
        "count": 1,
        "more": 0,
        "concerns": concerns,
        "queue_url": site_url(reverse("alerts:queue")),
    }
    written = 0
    for user in recipients.get(alert.association_id, []):
        written += len(
            notify(
                recipient=user,
                kind="alert_raised",
                context=context,
                dedup_key=f"alert:{alert.pk}:urgent:{step}:{user.pk}",
                urgent=True,
            )
        )
    return written


def alert_escalated_notify(*, alert: IsolationAlert, level: int, step: str = "") -> int:
    """Tell coordinators (level 1) or managers (level 2) that an alert is still unacknowledged.
    Idempotent per alert, level and step (a repeat at the last level names its event). Returns
    rows written."""
    role = Membership.Role.COORDINATOR if level <= 1 else Membership.Role.MANAGER
    recipients = staff_to_tell(association_ids=[alert.association_id], role=role)
    urgent = alert.severity == IsolationAlert.Severity.URGENT
    item = RaisedItem(alert.pk, alert.beneficiary_id, alert.association_id, alert.kind, alert.severity, None)
    context = {
        "association": alert.association.name,
        "item": _item_context(item, {alert.beneficiary_id: alert.beneficiary.display_name}),
        "kind": alert.get_kind_display(),
        "level": level,
        "raised_at": alert.raised_at,
    }
    written = 0
    for user in recipients.get(alert.association_id, []):
        written += len(
            notify(
                recipient=user,
                kind="alert_escalated",
                context=context,
                dedup_key=f"alert:{alert.pk}:escalated:{level}{':' + step if step else ''}:{user.pk}",
                urgent=urgent,
            )
        )
    return written
