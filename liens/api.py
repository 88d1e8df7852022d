"""What every API view shares: how a refusal becomes a 400, how bodies and query strings are
read within bounds, how lists are paged, and what OPTIONS answers.

Wired in settings.REST_FRAMEWORK (the schema class lives in liens/api_schema.py); views only
raise DomainError or validate with serializers. Bad input never reaches the code as something it
would crash on: it stops here with a 400 in the caller's language. An unexpected exception still
answers 500, so a bug is never hidden.
"""

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination, parsers, serializers
from rest_framework.metadata import BaseMetadata
from rest_framework.utils import json as drf_json

from liens.errors import DomainError

# --- refusals -------------------------------------------------------------------------------


# DomainError codes that answer 403: the caller may not do this, whatever they send.
REFUSAL_CODES_403 = frozenset({"forbidden", "mfa_setup_required"})


def domain_error_detail(error: DomainError) -> dict:
    """A domain refusal as a 400 body: the message under its field, like a serializer's errors."""
    return {error.field or "non_field_errors": [str(error.message)]}


def exception_handler(exc, context):
    """DRF's handler, plus: a DomainError answers 400 with its message under its field; 403 with
    its message as the detail when its code says the caller may not act at all; 429 when a
    limiter refused (code "throttled").

    Anything else unexpected is left to DRF (and so to Django's 500): hiding a bug as a 400
    would only move it.
    """
    # Imported here: DRF's views module reads these settings, which name this module, at import.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DomainError):
        if exc.code in REFUSAL_CODES_403:
            # Not a matter of input: the caller may not do this (e.g. a pending association).
            exc = exceptions.PermissionDenied(str(exc.message), code=exc.code)
        elif exc.code == "throttled":
            exc = exceptions.Throttled(detail=str(exc.message))
        else:
            exc = exceptions.ValidationError(domain_error_detail(exc), code=exc.code)
    return drf_exception_handler(exc, context)


# --- bodies ---------------------------------------------------------------------------------

# Deeper than any body the API documents (an assessment's answers sit at depth 3).
JSON_MAX_DEPTH = 32


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("This request is too large.")
    default_code = "too_large"


def _read_bounded(stream, parser_context) -> bytes:
    """The whole body, refused past DATA_UPLOAD_MAX_MEMORY_SIZE without reading further.

    DRF hands parsers the raw request stream, so Django's own cap on request.body never applies
    to API bodies: a 30 MB JSON document would otherwise be read and parsed whole.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = (parser_context or {}).get("request")
    if limit is None:
        return stream.read()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge()
    return body


def _depth_exceeded(value, limit: int) -> bool:
    """Whether a parsed JSON value nests deeper than `limit`, walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """JSON bodies within bounds: at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 past it), nested
    at most JSON_MAX_DEPTH deep (400 past it).

    Python's json module recurses once per level: a body nested tens of thousands deep raises
    RecursionError, which must answer 400 like any other malformed body, not 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = _read_bounded(stream, parser_context)
        try:
            text = body.decode(encoding)
            data = drf_json.loads(text, parse_constant=drf_json.strict_constant if self.strict else None)
        except RecursionError as exc:
            raise exceptions.ParseError(_("This body is nested too deeply.")) from exc
        except ValueError as exc:
            raise exceptions.ParseError(_("This body is not valid JSON.")) from exc
        if isinstance(data, dict | list) and _depth_exceeded(data, JSON_MAX_DEPTH):
            raise exceptions.ParseError(_("This body is nested too deeply."))
        return data


class FormParser(parsers.FormParser):
    """Form bodies within the same size bound as JSON (413 past it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(_read_bounded(stream, parser_context), encoding=encoding)


# --- query strings --------------------------------------------------------------------------


def query_params(serializer_class: type[serializers.Serializer], request) -> dict:
    """The request's query string validated by an input serializer; 400 with field errors."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- pagination -----------------------------------------------------------------------------

# Past this, an offset is no page anyone reads; PostgreSQL's OFFSET is a bigint anyway.
MAX_OFFSET = 1_000_000


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """?limit=&offset= with bounds: limit at most max_limit (a larger one is clamped), offset at
    most MAX_OFFSET; anything not a whole number, or negative, answers 400. The default page is
    REST_FRAMEWORK["PAGE_SIZE"]."""

    max_limit = 200

    def _number(self, request, name: str, default: int, maximum: int | None = None) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = -1
        if value < 0:
            raise exceptions.ValidationError({name: [_("Enter a whole number, 0 or more.")]})
        if maximum is not None and value > maximum:
            raise exceptions.ValidationError({name: [_("Enter a number no larger than %(max)s.") % {"max": maximum}]})
        return value

    def get_limit(self, request):
        limit = self._number(request, self.limit_query_param, self.default_limit)
        return min(limit or self.default_limit, self.max_limit)

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 0
            if parameter["name"] == self.offset_query_param:
                parameter["schema"]["maximum"] = MAX_OFFSET
        return parameters


# --- OPTIONS --------------------------------------------------------------------------------


class Metadata(BaseMetadata):
    """What OPTIONS answers: the view's name and the media types it speaks.

    DRF's default also describes the POST/PUT body by instantiating the view's serializer, which
    breaks on views that pick their serializer per method; the OpenAPI schema at /api/schema/
    is where bodies are described.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
