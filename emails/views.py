"""The development mailbox: emails readable in the browser, only when DEBUG is on."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from post_office.models import Email


def _require_debug() -> None:
    if not settings.DEBUG:
        raise Http404


def mailbox(request: HttpRequest) -> HttpResponse:
    _require_debug()
    page = Paginator(Email.objects.order_by("-created", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "emails/mailbox.html", {"page": page})


def mailbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_debug()
    email = get_object_or_404(Email, pk=pk)
    return render(request, "emails/mailbox_message.html", {"email": email})
