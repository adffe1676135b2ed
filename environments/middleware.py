from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from environments.plans import PlanFeatureUnavailable


class PlanFeatureMiddleware:
    """Turns a failed plan check anywhere in a view into a page with the way out (upgrade)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PlanFeatureUnavailable):
            return render(
                request, "environments/plan_required.html", {"message": exception.message}, status=403
            )
        return None
