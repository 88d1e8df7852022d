"""The run's figures for people: a short text report and an SVG chart (no plotting library)."""

from __future__ import annotations

from xml.sax.saxutils import escape

SEVERITIES = {
    "1": ("late", "#e0b000"),
    "2": ("overdue", "#e07000"),
    "3": ("critical", "#c00000"),
    "4": ("urgent", "#7000a0"),
}


def text(figures: dict) -> str:
    d, f, n, r, e, c = (
        figures["detection"],
        figures["false_alerts"],
        figures["noise"],
        figures["reminders"],
        figures["escalation"],
        figures["cost"],
    )
    t = figures["territory"]
    lines = [
        f"Simulated {figures['window']['days']} days from {figures['window']['start']}"
        f" ({t['beneficiaries']} people, {t['volunteers']} volunteers, {t['coordinators']} coordinators)"
        + (f", faults: {', '.join(figures['faults'])}" if figures["faults"] else ""),
        f"Detection: {d['episodes_alerted']}/{d['episodes']} true silences alerted, {d['within_one_sweep']} within one"
        f" sweep ({d['sweep_interval_minutes']} min); delay max {d['delay_max_minutes']} min,"
        f" p95 {d['delay_p95_minutes']} min; missed by reason {d.get('missed_by_reason', {})}"
        f" ({d['ended_before_a_sweep']} ended by a contact before a sweep was due: no alert owed)",
        f"False alerts: {f['total_liens_errors']} (paused {f['paused']}, contact already recorded"
        f" {f['contact_recorded_in_time']}); {f['contact_not_yet_reported']} more raised before"
        " a real contact was reported",
        f"Noise: {n['alerts_per_episode_max']} alert(s) per episode at most (mean {n['alerts_per_episode_mean']});"
        f" staff {n['staff_notifications_per_day_median']} notifications a day (median),"
        f" {n['staff_notifications_per_day_max']} max; volunteers {n['volunteer_notifications_per_week_mean']}"
        f" a week (mean), {n['volunteer_notifications_per_week_max']} max",
        f"Reminders: {r['sent']} sent, {r['at_planned_local_time']} at their local time"
        f" ({r['at_planned_local_time_after_dst_change']} after the DST change);"
        f" duplicates {r['duplicates_provider']}"
        f" + {r['duplicates_logical']}, lost {r['lost']}",
        f"Escalation: {e['escalated_within_5_minutes']}/{e['unacknowledged_past_deadline']} unacknowledged"
        f" alerts escalated on time, to {e['escalations_to']}",
        f"Cost: {c['wall_seconds']} s wall ({c['build_seconds']} s building), {c['jobs_run']} jobs run,"
        f" {c['jobs_skipped']} skipped, {c['rows_written']} rows written ({c['vendor']})",
    ]
    if figures.get("fault_runs"):
        lines.append(f"Runs changed by the faults: {figures['fault_runs']}")
    if figures.get("job_error_count"):
        lines.append(f"Job errors: {figures['job_error_count']}, first: {figures['job_errors'][0]}")
    broken = [name for name, met in figures["targets"].items() if not met]
    lines.append("Targets: all met" if not broken else f"Targets not met: {', '.join(broken)}")
    return "\n".join(lines)


def svg(figures: dict) -> str:
    """Open alerts by severity per day (stacked bars, left) and detection delays (right)."""
    series = figures["chart"]["open_by_severity"]
    delays = figures["chart"]["delays_minutes"]
    width, height, pad = 900, 320, 40
    left_w = 560
    top = max([sum(v for k, v in day.items() if k != "day") for day in series] + [1])
    bar = (left_w - 2 * pad) / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        ' font-family="sans-serif" font-size="11">',
        f'<text x="{pad}" y="16">Open alerts by severity, each day at noon (max {top})</text>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{left_w - pad}" y2="{height - pad}" stroke="#333"/>',
    ]
    for i, day in enumerate(series):
        y = height - pad
        for key, (name, colour) in SEVERITIES.items():
            value = day.get(key, 0)
            if not value:
                continue
            h = value / top * (height - 2 * pad - 10)
            y -= h
            parts.append(
                f'<rect x="{pad + i * bar:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}"'
                f' height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(day['day'])}: {value} {name}</title></rect>"
            )
    for n, (name, colour) in enumerate(SEVERITIES.values()):
        parts.append(f'<rect x="{pad + n * 80}" y="{height - 18}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{pad + n * 80 + 14}" y="{height - 9}">{name}</text>')
    # Detection delays: a histogram in minutes.
    x0, x1 = left_w + pad, width - pad
    parts.append(f'<text x="{x0}" y="16">Detection delay (minutes), {len(delays)} episodes</text>')
    parts.append(f'<line x1="{x0}" y1="{height - pad}" x2="{x1}" y2="{height - pad}" stroke="#333"/>')
    if delays:
        bins = 10
        high = max(max(delays), 1)
        counts = [0] * bins
        for value in delays:
            counts[min(bins - 1, int(value / high * bins))] += 1
        peak = max(counts)
        w = (x1 - x0) / bins
        for i, count in enumerate(counts):
            h = count / peak * (height - 2 * pad - 10)
            parts.append(
                f'<rect x="{x0 + i * w:.1f}" y="{height - pad - h:.1f}" width="{w - 2:.1f}"'
                f' height="{h:.1f}" fill="#3060c0">'
                f"<title>{i * high / bins:.0f}-{(i + 1) * high / bins:.0f} min: {count}</title></rect>"
            )
        parts.append(f'<text x="{x0}" y="{height - pad + 14}">0</text>')
        parts.append(f'<text x="{x1 - 30}" y="{height - pad + 14}">{high:.0f}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
