"""Sending authorisation requests the way the portal does, and reading the link from the email."""

from __future__ import annotations

import re

from post_office.models import Email

from accounts.models import User
from authorisations.models import AuthorisationRequest, Payer
from authorisations.services import AuthorisationRequestDraft, authorisation_request_send
from environments.models import OrganisationRole

LINK = re.compile(r"/authorise/(?P<token>[A-Za-z0-9_\-]+)/")


def draft(**overrides: object) -> AuthorisationRequestDraft:
    values: dict[str, object] = {
        "client_name": "Bakkerij Jansen",
        "client_email": "owner@jansen.test",
        "kvk_number": "12345678",
        "organisation_name": "Bakkerij Jansen B.V.",
        "software_package": "exact_online",
        "role": OrganisationRole.ADMINISTRATOR,
        "payer": Payer.INTERMEDIARY,
        "message": "We would like to take care of your invoices.",
    }
    values.update(overrides)
    return AuthorisationRequestDraft(**values)  # type: ignore[arg-type]


def latest_token_for(email: str) -> str:
    message = _latest(email)
    match = LINK.search(message.message)
    assert match, message.message
    return match.group("token")


def _latest(email: str) -> Email:
    for message in Email.objects.order_by("-id"):
        if email in message.to:
            return message
    raise AssertionError(f"no email to {email}")


def send(requester: User, **overrides: object) -> tuple[AuthorisationRequest, str]:
    """Send a request as ``requester``; returns it with the token from the emailed link."""
    request = authorisation_request_send(
        environment=requester.environment, acting_user=requester, draft=draft(**overrides)
    )
    return request, latest_token_for(request.client_email)
