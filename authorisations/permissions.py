from __future__ import annotations

from django.http import Http404

from accounts.models import EnvironmentRole, User
from authorisations.models import AuthorisationRequest, BulkUpload
from environments.models import Environment
from environments.permissions import require_role


def require_request_sender(*, user: User) -> Environment:
    """Authorisation requests are sent and followed by advanced users and administrators."""
    return require_role(user=user, minimum=EnvironmentRole.ADVANCED_USER)


def access_authorisation_request(*, user: User, pk: int) -> AuthorisationRequest:
    environment = require_request_sender(user=user)
    request = (
        AuthorisationRequest.objects.select_related(
            "environment", "requested_by", "organisation", "partnership"
        )
        .filter(pk=pk, environment=environment)
        .first()
    )
    if request is None:
        raise Http404
    return request


def access_bulk_upload(*, user: User, pk: int) -> BulkUpload:
    environment = require_request_sender(user=user)
    upload = (
        BulkUpload.objects.select_related("environment", "uploaded_by")
        .filter(pk=pk, environment=environment)
        .first()
    )
    if upload is None:
        raise Http404
    return upload


def responder_refusal(*, user: User, request: AuthorisationRequest) -> str:
    """Why ``user`` may not answer ``request`` ("" when they may): advanced users and
    administrators of another environment than the sender's answer, whatever their plan."""
    if user.environment_id is None or user.environment_id == request.environment_id:
        return "own_request"
    if user.role < EnvironmentRole.ADVANCED_USER:
        return "not_allowed"
    return ""
