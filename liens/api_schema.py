"""The OpenAPI schema told the truth about errors: drf-spectacular's AutoSchema, plus the error
answers every view may give and wall-clock times described as they are sent.

Apart from liens/api.py because drf-spectacular imports DRF's views, which read the parser and
pagination settings that name liens.api.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

_ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A serializer's errors: field → messages, nested for nested fields (key contacts, slots...).
_VALIDATION_ERRORS = {"type": "object", "additionalProperties": True}

_ERROR_RESPONSES = {
    "400": ("The input was refused: messages by field.", _VALIDATION_ERRORS),
    "403": ("Not signed in, or not allowed.", _ERROR_DETAIL),
    "404": ("Not found, or not yours to see.", _ERROR_DETAIL),
    "413": ("The body is too large.", _ERROR_DETAIL),
    "429": ("Too many attempts: try again later.", _ERROR_DETAIL),
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, told the error answers every view may give.

    403 and 404 for any operation that needs a signed-in user (403 before sign-in; 404 for
    anything outside the caller's scope, a missing volunteer profile or association); 400
    wherever there is a body or a query string to refuse, or a service that may refuse; 413
    wherever there is a body; 403 and 429 at a door that takes a password (`credential_door`).
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        has_input = "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", []))
        wanted = []
        if has_input or self.method in ("POST", "PUT", "PATCH", "DELETE"):
            wanted.append("400")
        if not public:
            wanted += ["403", "404"]
        if "requestBody" in operation:
            wanted.append("413")
        if getattr(self.view, "credential_door", False):
            # A door that takes a password: its limiter answers 429, and a refused sign-in (an
            # account that must set up two-factor authentication first) 403.
            wanted += ["403", "429"]
        for code in wanted:
            description, schema = _ERROR_RESPONSES[code]
            responses.setdefault(
                code, {"content": {"application/json": {"schema": schema}}, "description": description}
            )
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # OpenAPI's "time" format is RFC 3339's full-time, with a zone offset; the API speaks
        # wall-clock times ("14:30:00", in the association's zone), so say that instead.
        if isinstance(schema, dict) and schema.get("format") == "time":
            schema.pop("format")
            schema["pattern"] = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
            schema.setdefault("example", "14:30:00")
        return schema
