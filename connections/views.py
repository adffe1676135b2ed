from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.models import AuthenticatedHttpRequest
from connections.forms import ConnectionForm
from connections.models import SoftwareConnection
from connections.permissions import access_connection
from connections.selectors import connection_keys_of, connections_of
from connections.services import connection_create, connection_key_issue, connection_revoke
from environments.models import Organisation
from environments.permissions import OrganisationPermissions, access_organisation


def _organisation_context(request: AuthenticatedHttpRequest, organisation: Organisation) -> dict[str, Any]:
    permissions = OrganisationPermissions(user=request.user, organisations=[organisation])
    return {"organisation": organisation, "granted": permissions.granted(organisation)}


@login_required
def connection_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_connections")
    page = Paginator(connections_of(organisation=organisation), 25).get_page(request.GET.get("page"))
    context = {**_organisation_context(request, organisation), "page": page, "form": ConnectionForm()}
    return render(request, "connections/connection_list.html", context)


@login_required
def connection_create_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_connections")
    form = ConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            connection = connection_create(
                organisation=organisation, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("%(package)s connected. Retrieve its connection key to configure the package.")
                % {"package": connection},
            )
            return redirect("connections:connection_detail", pk=connection.pk)
    context = {**_organisation_context(request, organisation), "form": form}
    return render(request, "connections/connection_form.html", context)


@login_required
def connection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    connection = access_connection(user=request.user, pk=pk, allow_delegate=True)
    keys = connection_keys_of(connection=connection)[:50]
    context = {
        **_organisation_context(request, connection.organisation),
        "connection": connection,
        "keys": keys,
    }
    return render(request, "connections/connection_detail.html", context)


def _has_live_key(connection: SoftwareConnection) -> bool:
    return connection.keys.filter(revoked_at__isnull=True).exists()


@never_cache
@login_required
def connection_key_issue_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (regenerating stops the old secret at once); POST issues the key
    and shows its secret this one time. The secret is never stored, so the page cannot be
    shown again: reloading it issues nothing, the browser only offers to post again."""
    connection = access_connection(user=request.user, pk=pk, allow_delegate=True)
    context = {**_organisation_context(request, connection.organisation), "connection": connection}
    if request.method == "POST":
        try:
            issued = connection_key_issue(connection=connection, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("connections:connection_detail", pk=connection.pk)
        return render(request, "connections/key_issued.html", {**context, "issued": issued})
    if connection.is_revoked:
        messages.error(request, _("This connection has been revoked. Connect the package again."))
        return redirect("connections:connection_detail", pk=connection.pk)
    return render(
        request, "connections/key_issue_confirm.html", {**context, "regenerate": _has_live_key(connection)}
    )


@login_required
def connection_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    connection = access_connection(user=request.user, pk=pk)
    if request.method == "POST":
        connection_revoke(connection=connection, acting_user=request.user)
        messages.success(
            request, _("%(connection)s revoked: its key no longer works.") % {"connection": connection}
        )
        return redirect("connections:connection_list", pk=connection.organisation_id)
    context = {**_organisation_context(request, connection.organisation), "connection": connection}
    return render(request, "connections/connection_revoke.html", context)
