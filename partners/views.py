from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AuthenticatedHttpRequest, EnvironmentRole
from environments.permissions import require_environment
from partners.forms import RelationshipManagerConnectForm, RelationshipRequestForm
from partners.models import Partnership, PartnershipStatus, RelationshipRequest, RelationshipRequestStatus
from partners.permissions import (
    RelationshipRequestLinkUnknown,
    access_directory_environment,
    access_manager_link,
    access_partnership,
    access_partnership_to_end,
    access_relationship_request,
    access_relationship_request_by_token,
    can_decide,
    can_withdraw,
    require_can_decide,
    require_can_send,
    require_can_withdraw,
    require_manager_administrator,
)
from partners.selectors import (
    directory_search,
    open_manager_links_of_partnership,
    partnership_access,
    partnership_active_between,
    partnership_ending_items,
    partnership_rows,
    partnerships_for_managers,
    partnerships_list,
    relationship_managers_of,
    relationship_requests_list,
    relationship_requests_pending_count,
    reverse_pending_request,
)
from partners.services import (
    RelationshipRequestUnusable,
    ReverseRequestPending,
    partnership_end,
    relationship_manager_connect,
    relationship_manager_disconnect,
    relationship_request_accept,
    relationship_request_decline,
    relationship_request_send,
    relationship_request_withdraw,
)

PAGE_SIZE = 25


def _page(request: AuthenticatedHttpRequest, items: QuerySet[Any], size: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(items, size).get_page(request.GET.get("page"))


# --- Find partners --------------------------------------------------------------------------


@login_required
def find(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_can_send(user=request.user)
    search = request.GET.get("q", "").strip()[:100]
    page = _page(request, directory_search(environment=environment, search=search))
    return render(
        request,
        "partners/find.html",
        {"page": page, "search": search, "environment": environment},
    )


@login_required
def request_create(request: AuthenticatedHttpRequest, environment_pk: int) -> HttpResponse:
    environment = require_can_send(user=request.user)
    target = access_directory_environment(user=request.user, pk=environment_pk)
    partnership = partnership_active_between(environment_id=environment.pk, other_environment_id=target.pk)
    reverse_request = reverse_pending_request(from_environment_id=environment.pk, to_environment_id=target.pk)
    form = RelationshipRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relationship_request_send(
                from_environment=environment,
                to_environment=target,
                acting_user=request.user,
                message=form.cleaned_data["message"],
            )
        except ReverseRequestPending as pending:
            messages.info(
                request,
                _("%(name)s already asked to become your partner: you can accept their request.")
                % {"name": target.name},
            )
            return redirect("partners:request_detail", pk=pending.relationship_request.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Relationship request sent to %(name)s. They have %(days)d days to answer.")
                % {"name": target.name, "days": settings.RELATIONSHIP_REQUEST_VALID_DAYS},
            )
            return redirect(f"{reverse('partners:request_list')}?direction=outgoing")
    return render(
        request,
        "partners/request_create.html",
        {"target": target, "form": form, "partnership": partnership, "reverse_request": reverse_request},
    )


# --- Relationship requests ------------------------------------------------------------------


@login_required
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment(user=request.user)
    incoming = request.GET.get("direction", "incoming") != "outgoing"
    status = request.GET.get("status", "")
    if status not in RelationshipRequestStatus.values:
        status = ""
    page = _page(
        request, relationship_requests_list(environment=environment, incoming=incoming, status=status)
    )
    context = {
        "page": page,
        "incoming": incoming,
        "status": status,
        "statuses": RelationshipRequestStatus.choices,
        "pending_incoming": relationship_requests_pending_count(environment=environment),
    }
    return render(request, "partners/request_list.html", context)


def _request_context(
    request: AuthenticatedHttpRequest, relationship_request: RelationshipRequest
) -> dict[str, Any]:
    return {
        "relationship_request": relationship_request,
        "can_decide": can_decide(user=request.user, request=relationship_request)
        and relationship_request.is_open,
        "can_withdraw": can_withdraw(user=request.user, request=relationship_request)
        and relationship_request.status == RelationshipRequestStatus.PENDING,
        "plan_allows": relationship_request.to_environment.plan.has_partnerships,
        "is_incoming": relationship_request.to_environment_id == request.user.environment_id,
    }


@login_required
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    relationship_request = access_relationship_request(user=request.user, pk=pk)
    return render(request, "partners/request_detail.html", _request_context(request, relationship_request))


def _decide(
    request: AuthenticatedHttpRequest, relationship_request: RelationshipRequest, action: str
) -> HttpResponse:
    """Accept or decline, shared by the in-portal page and the emailed link."""
    require_can_decide(user=request.user, request=relationship_request)
    try:
        if action == "accept":
            partnership = relationship_request_accept(
                relationship_request=relationship_request, acting_user=request.user
            )
        else:
            relationship_request_decline(relationship_request=relationship_request, acting_user=request.user)
    except RelationshipRequestUnusable as unusable:
        return render(
            request,
            "partners/request_unusable.html",
            {"status": unusable.status, "relationship_request": relationship_request},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("partners:request_detail", pk=relationship_request.pk)
    if action == "accept":
        messages.success(
            request,
            _("You are now partners with %(name)s") % {"name": relationship_request.from_environment.name},
        )
        return redirect("partners:partnership_detail", pk=partnership.pk)
    messages.success(
        request,
        _("You declined the request of %(name)s") % {"name": relationship_request.from_environment.name},
    )
    return redirect("partners:request_list")


@login_required
@require_POST
def request_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, access_relationship_request(user=request.user, pk=pk), "accept")


@login_required
@require_POST
def request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, access_relationship_request(user=request.user, pk=pk), "decline")


@login_required
def request_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    relationship_request = access_relationship_request(user=request.user, pk=pk)
    require_can_withdraw(user=request.user, request=relationship_request)
    if relationship_request.status != RelationshipRequestStatus.PENDING:
        return render(
            request,
            "partners/request_unusable.html",
            {"status": relationship_request.status, "relationship_request": relationship_request},
        )
    if request.method == "POST":
        try:
            relationship_request_withdraw(relationship_request=relationship_request, acting_user=request.user)
        except RelationshipRequestUnusable as unusable:
            return render(
                request,
                "partners/request_unusable.html",
                {"status": unusable.status, "relationship_request": relationship_request},
            )
        messages.success(request, _("Request withdrawn. Its link no longer works."))
        return redirect(f"{reverse('partners:request_list')}?direction=outgoing")
    return render(request, "partners/request_withdraw.html", {"relationship_request": relationship_request})


@login_required
def request_link(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The link in a relationship request email. GET shows the request and changes nothing
    (mail scanners open links); signing in returns here; accept and decline are POSTs."""
    try:
        relationship_request = access_relationship_request_by_token(user=request.user, token=token)
    except RelationshipRequestLinkUnknown:
        return render(request, "partners/request_unusable.html", {"status": "invalid"})
    if not relationship_request.is_open:
        return render(
            request,
            "partners/request_unusable.html",
            {"status": relationship_request.effective_status, "relationship_request": relationship_request},
        )
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("accept", "decline"):
            messages.error(request, _("Choose accept or decline."))
            return redirect("partners:request_link", token=token)
        return _decide(request, relationship_request, action)
    context = {**_request_context(request, relationship_request), "via_link": True, "link_token": token}
    return render(request, "partners/request_detail.html", context)


# --- Partnerships ---------------------------------------------------------------------------


@login_required
def partnership_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment(user=request.user)
    search = request.GET.get("q", "").strip()[:100]
    ended = request.GET.get("status") == "ended"
    page = _page(request, partnerships_list(environment=environment, search=search, ended=ended))
    rows = partnership_rows(list(page), environment_id=environment.pk)
    return render(
        request,
        "partners/partnership_list.html",
        {"page": page, "rows": rows, "search": search, "ended": ended},
    )


@login_required
def partnership_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = access_partnership(user=request.user, pk=pk)
    own = request.user.home.pk
    links = open_manager_links_of_partnership(partnership=partnership) if partnership.is_active else []
    access = partnership_access(partnership=partnership)
    page = _page(request, access, 50)
    context = {
        "partnership": partnership,
        "partner": partnership.environment_b
        if partnership.environment_a_id == own
        else partnership.environment_a,
        "our_managers": [link for link in links if link.user.environment_id == own],
        "their_managers": [link.user for link in links if link.user.environment_id != own],
        "page": page,
        "own_environment_id": own,
        "can_end": partnership.is_active and request.user.role >= EnvironmentRole.ADVANCED_USER,
        "can_manage_managers": partnership.is_active and request.user.is_environment_administrator,
    }
    return render(request, "partners/partnership_detail.html", context)


@login_required
def partnership_end_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = access_partnership_to_end(user=request.user, pk=pk)
    if partnership.status != PartnershipStatus.ACTIVE:
        messages.info(request, _("This partnership has already ended."))
        return redirect("partners:partnership_detail", pk=partnership.pk)
    own = request.user.home.pk
    partner = partnership.environment_b if partnership.environment_a_id == own else partnership.environment_a
    if request.method == "POST":
        partnership_end(partnership=partnership, acting_user=request.user)
        messages.success(
            request,
            _("The partnership with %(name)s has ended. Both sides were told.") % {"name": partner.name},
        )
        return redirect("partners:partnership_detail", pk=partnership.pk)
    items = partnership_ending_items(partnership=partnership, acting_user=request.user)
    organisations = (
        partnership_access(partnership=partnership)
        .order_by()
        .values_list("organisation__name", "organisation__environment__name")
        .distinct()[:50]
    )
    return render(
        request,
        "partners/partnership_end.html",
        {"partnership": partnership, "partner": partner, "items": items, "organisations": organisations},
    )


# --- Relationship managers ------------------------------------------------------------------


@login_required
def relationship_managers(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment(user=request.user)
    search = request.GET.get("q", "").strip()[:100]
    page = _page(request, partnerships_for_managers(environment=environment, search=search))
    managers = list(relationship_managers_of(environment=environment))
    is_admin = request.user.is_environment_administrator
    rows = []
    for row in partnership_rows(list(page), environment_id=environment.pk):
        connected = {user.pk for user in row.our_managers}
        links = [
            link
            for link in getattr(row.partnership, "open_manager_links", [])
            if link.user.environment_id == environment.pk
        ]
        rows.append(
            {
                "row": row,
                "our_links": links,
                "available": [manager for manager in managers if manager.pk not in connected],
            }
        )
    context = {
        "page": page,
        "rows": rows,
        "managers": managers,
        "search": search,
        "can_manage": is_admin and environment.plan.has_relationship_managers,
        "plan_has_managers": environment.plan.has_relationship_managers,
    }
    return render(request, "partners/relationship_managers.html", context)


@login_required
@require_POST
def relationship_manager_connect_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_manager_administrator(user=request.user)
    form = RelationshipManagerConnectForm(
        request.POST,
        partnerships=Partnership.objects.filter(status=PartnershipStatus.ACTIVE).filter(
            pk__in=partnerships_for_managers(environment=environment).values("pk")
        ),
        managers=relationship_managers_of(environment=environment),
    )
    if not form.is_valid():
        messages.error(request, _("Choose one of your relationship managers and an active partnership."))
        return redirect("partners:relationship_managers")
    try:
        relationship_manager_connect(
            partnership=form.cleaned_data["partnership"],
            user=form.cleaned_data["user"],
            acting_user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is now connected.") % {"name": form.cleaned_data["user"].display_name}
        )
    return _back(request)


@login_required
@require_POST
def relationship_manager_disconnect_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    link = access_manager_link(user=request.user, pk=pk)
    relationship_manager_disconnect(link=link, acting_user=request.user)
    messages.success(request, _("%(name)s is disconnected.") % {"name": link.user.display_name})
    return _back(request)


def _back(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Back to the page the form was on (the partnership or the managers page), never off-site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("partners:relationship_managers")
