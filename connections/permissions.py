from __future__ import annotations

from django.http import Http404

from accounts.models import User
from connections.models import SoftwareConnection
from environments.permissions import access_organisation


def access_connection(*, user: User, pk: int, allow_delegate: bool = False) -> SoftwareConnection:
    """The software connection if the user may manage its organisation's connections
    (organisation administrators, administrators of its environment); Http404 otherwise.

    With ``allow_delegate``, the user the connection was delegated to (by an accepted
    authorisation request) also gets it, as long as they can still reach the organisation: the
    client consented to exactly that when accepting.
    """
    connection = SoftwareConnection.objects.select_related("created_by").filter(pk=pk).first()
    if connection is None:
        raise Http404
    if allow_delegate and connection.delegated_to_id == user.pk:
        connection.organisation = access_organisation(user=user, pk=connection.organisation_id)
        return connection
    connection.organisation = access_organisation(
        user=user, pk=connection.organisation_id, permission="manage_connections"
    )
    return connection
