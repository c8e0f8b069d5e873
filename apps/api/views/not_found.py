"""Django's 404 for a URL no pattern matches: JSON under the API's paths (a client reads the body as
JSON, OpenAI's shape under the OpenAI-compatible endpoint; an id holding a `/` matches no pattern),
the site's page everywhere else."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/openai/"):  # in OpenAI's shape, as the endpoint's own errors
        error = {"message": "Not found.", "type": "invalid_request_error", "param": None, "code": "not_found"}
        return JsonResponse({"error": error}, status=404)
    if request.path.startswith(tuple(settings.API_PATH_PREFIXES)):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
