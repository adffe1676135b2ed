from __future__ import annotations

from django.http import Http404

from accounts.models import User
from connections.models import SoftwareConnection
from environments.permissions import access_organisation


def access_connection(*, user: User, pk: int) -> SoftwareConnection:
    """The software connection if the user may manage its organisation's connections
    (organisation administrators, administrators of its environment); Http404 otherwise."""
    connection = SoftwareConnection.objects.select_related("created_by").filter(pk=pk).first()
    if connection is None:
        raise Http404
    connection.organisation = access_organisation(
        user=user, pk=connection.organisation_id, permission="manage_connections"
    )
    return connection
