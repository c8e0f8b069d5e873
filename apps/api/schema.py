"""OpenAPI description of how callers authenticate (loaded by ApiConfig.ready): the API key (in
`X-api-key` or as a bearer token), and on the widget API the embed key and the session token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

# The widget API's own credentials, checked by apps.api.widget_access rather than by a DRF
# authentication class, so they are named here and added to the widget operations by the hook below.
WIDGET_SECURITY_SCHEMES = {
    "embedKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Embed-Key",
        "description": "The widget channel's embed key, from a page whose Origin the channel allows.",
    },
    "sessionTokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
        "description": "The `session_token` that starting a session without team credentials answers; "
        "every later request for that session sends it.",
    },
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiKeyAuthentication"
    name = ["apiKeyAuth", "tokenAuth"]

    def get_security_requirement(self, auto_schema):
        # Either header carries the key: two alternatives, not one requirement naming both.
        return [{"apiKeyAuth": []}, {"tokenAuth": []}]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-api-key"},
            {"type": "http", "scheme": "bearer"},
        ]


def add_widget_security(result, generator, request, public):
    """drf-spectacular postprocessing hook: the widget operations also accept the embed key (to
    start a session) or the session token (for everything after)."""
    result.setdefault("components", {}).setdefault("securitySchemes", {}).update(WIDGET_SECURITY_SCHEMES)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/chat/"):
            continue
        scheme = "embedKeyAuth" if path == "/api/chat/start/" else "sessionTokenAuth"
        for operation in operations.values():
            security = operation.setdefault("security", [])
            security.insert(0, {scheme: []})
    return result
