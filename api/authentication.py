"""Software connections authenticate with HTTP Basic: the app key as user name, the secret as
password. The request's ``auth`` is the ConnectionKey; its ``user`` an ApiClient principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication
from rest_framework.request import Request

from connections.models import ConnectionKey
from connections.selectors import connection_key_for_credentials
from connections.services import connection_key_record_use
from environments.models import Organisation


@dataclass(frozen=True)
class ApiClient:
    """The software connection behind a request: not a person, but authenticated."""

    key: ConnectionKey

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def organisation(self) -> Organisation:
        return self.key.connection.organisation


class ConnectionKeyAuthentication(BasicAuthentication):
    www_authenticate_realm = "portal-api"

    def authenticate_credentials(  # type: ignore[override]  # the stubs expect no auth object
        self, userid: str, password: str, request: Any = None
    ) -> tuple[ApiClient, ConnectionKey]:
        key = connection_key_for_credentials(app_key=userid, secret=password)
        if key is None:
            # One answer for unknown, wrong, revoked, regenerated or ended: nothing to probe.
            raise exceptions.AuthenticationFailed(_("Invalid or revoked connection key."))
        connection_key_record_use(key=key)
        return ApiClient(key=key), key


def request_key(request: Request) -> ConnectionKey:
    key = request.auth
    if not isinstance(key, ConnectionKey):
        raise exceptions.NotAuthenticated
    return key
