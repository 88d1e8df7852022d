"""Pages of the review queue: the queue, one alert with its actions, and the numbers.

Views are thin: fetch through the scoping helpers (404 outside the user's associations),
validate with a form, call one service, redirect. Every action is a plain POST form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.lib.pages import list_page, local_path

from ..scoping import staff_required
from . import selectors, services
from .forms import AssignForm, CallForm, NoteForm, QueueFilterForm, ReferForm, ResolveForm

PAGE_SIZE = 20


@login_required
@require_GET
@staff_required
def queue(request):
    colleagues = [] if request.user.is_staff else selectors.staff_colleagues(user=request.user)
    form = QueueFilterForm(request.GET or None, colleagues=colleagues)
    filters = form.cleaned_data if form.is_valid() else {}
    alerts = selectors.alert_queue_rows(user=request.user, **{k: v for k, v in filters.items() if v})
    page, query = list_page(request, alerts, size=PAGE_SIZE)
    return render(
        request,
        "missions/alerts/_queue_list.html" if request.headers.get("HX-Request") else "missions/alerts/queue.html",
        # "back": where each card's acknowledgement returns, worked out once rather than per card.
        {"form": form, "page": page, "alerts": page.object_list, "query": query, "back": request.get_full_path()},
    )


def _detail_context(request, alert, *, forms=None) -> dict:
    file = services.alert_file_open(alert=alert, by=request.user)
    forms = forms or {}
    return {
        "alert": alert,
        "beneficiary": alert.beneficiary,
        "file": file,
        "assign_form": forms.get("assign")
        or AssignForm(assignees=file.assignees, initial={"assignee": request.user.pk}),
        "call_form": forms.get("call") or CallForm(),
        "note_form": forms.get("note") or NoteForm(),
        "refer_form": forms.get("refer") or ReferForm(),
        "resolve_form": forms.get("resolve") or ResolveForm(),
        "failed": next(iter(forms), None),
    }


def _render_detail(request, alert, *, forms=None, status=200):
    return render(request, "missions/alerts/detail.html", _detail_context(request, alert, forms=forms), status=status)


@login_required
@require_GET
@staff_required
def detail(request, pk: int):
    alert = selectors.alert_get(user=request.user, alert_id=pk)
    return _render_detail(request, alert)


def _act(request, pk: int, *, name: str, form_class=None, perform, done: str, form_kwargs=None):
    """Shared POST handling: scoped fetch, form, service, redirect; errors stay on the form.

    From the queue (the form posts `next`), back to that queue page at the alert's card; in
    place (HX-Request), only the piece tapped again: the card, or the page's action bar."""
    alert = selectors.alert_get(user=request.user, alert_id=pk)
    form = form_class(request.POST, **(form_kwargs(alert) if form_kwargs else {})) if form_class else None
    from_queue = _queue_page(request)
    if form is None or form.is_valid():
        try:
            perform(alert, form.cleaned_data if form else {})
        except DomainError as error:
            if form is None or from_queue:
                messages.error(request, error.message)
                return redirect(from_queue or reverse("alerts:detail", args=[alert.pk]))
            form_apply_domain_error(form, error)
        else:
            if request.headers.get("HX-Request"):
                return _in_place(request, alert.pk, done=done, from_queue=from_queue)
            messages.success(request, done)
            if from_queue:
                return redirect(f"{from_queue}#alert-{alert.pk}")
            return redirect("alerts:detail", pk=alert.pk)
    return _render_detail(request, alert, forms={name: form}, status=400)


def _queue_page(request) -> str:
    """The queue page an action was tapped on (a path of the queue only), or ""."""
    wanted = (local_path(request.POST.get("next")) or "").split("#", 1)[0]
    return wanted if wanted.startswith(reverse("alerts:queue")) else ""


def _in_place(request, pk: int, *, done: str, from_queue: str):
    alert = selectors.alert_get(user=request.user, alert_id=pk)
    if from_queue:
        context = {"alert": alert, "done": done, "back": from_queue}
        return render(request, "missions/alerts/_alert_card.html", context)
    context = _detail_context(request, alert) | {"done": done}
    return render(request, "missions/alerts/_alert_actions.html", context)


@login_required
@require_POST
@staff_required
def acknowledge(request, pk: int):
    return _act(
        request,
        pk,
        name="acknowledge",
        perform=lambda alert, data: services.alert_acknowledge(alert=alert, by=request.user),
        done=_("Alert acknowledged."),
    )


@login_required
@require_POST
@staff_required
def assign(request, pk: int):
    return _act(
        request,
        pk,
        name="assign",
        form_class=AssignForm,
        form_kwargs=lambda alert: {"assignees": selectors.alert_assignees(association_id=alert.association_id)},
        perform=lambda alert, data: services.alert_assign(alert=alert, by=request.user, assignee=data["assignee"]),
        done=_("Alert assigned."),
    )


@login_required
@require_POST
@staff_required
def note(request, pk: int):
    return _act(
        request,
        pk,
        name="note",
        form_class=NoteForm,
        perform=lambda alert, data: services.alert_note_add(alert=alert, by=request.user, note=data["note"]),
        done=_("Note added."),
    )


@login_required
@require_POST
@staff_required
def call(request, pk: int):
    return _act(
        request,
        pk,
        name="call",
        form_class=CallForm,
        perform=lambda alert, data: services.alert_call_log(
            alert=alert, by=request.user, reached=data["reached"], note=data["note"]
        ),
        done=_("Call logged."),
    )


@login_required
@require_POST
@staff_required
def refer(request, pk: int):
    return _act(
        request,
        pk,
        name="refer",
        form_class=ReferForm,
        perform=lambda alert, data: services.alert_refer(
            alert=alert, by=request.user, service=data["service"], note=data["note"]
        ),
        done=_("Referral recorded."),
    )


@login_required
@require_POST
@staff_required
def resolve(request, pk: int):
    return _act(
        request,
        pk,
        name="resolve",
        form_class=ResolveForm,
        perform=lambda alert, data: services.alert_resolve(alert=alert, by=request.user, reason=data["reason"]),
        done=_("Alert resolved."),
    )


@login_required
@require_GET
@staff_required
def dashboard(request):
    ids = request.association_ids
    numbers = selectors.alert_numbers(association_ids=ids)
    return render(request, "missions/alerts/dashboard.html", {"numbers": numbers})
