"""Pages of lien-social hours, under /lien-social/ (namespace "liensocial")."""

from django.urls import path, register_converter

from . import views


class StatementFormat:
    regex = "csv|pdf"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(StatementFormat, "statement_format")

app_name = "liensocial"

urlpatterns = [
    # The home-care service's side.
    path("", views.home, name="home"),
    path("plans/<int:plan_id>/session/", views.session_new, name="session-new"),
    path("service/", views.manager, name="manager"),
    path("service/statement/<int:year>-<int:month>.<statement_format:fmt>", views.statement, name="statement"),
    path(
        "plans/<int:plan_id>/statement/<int:year>-<int:month>.<statement_format:fmt>",
        views.plan_statement,
        name="plan-statement",
    ),
    # The person's association's side.
    path("people/<int:beneficiary_id>/plans/new/", views.plan_new, name="plan-new"),
    path("plans/<int:plan_id>/end/", views.plan_end, name="plan-end"),
]
