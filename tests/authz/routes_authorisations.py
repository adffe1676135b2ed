from __future__ import annotations

from typing import Any

from authorisations.bulk import bulk_upload_preview
from authorisations.models import BulkUpload
from environments.models import Plan
from tests.actors import World
from tests.authorisations.helpers import send
from tests.authz.matrix import LOGIN, OK, Route, expect

# Senders are advanced users and administrators; inside the home environment a basic user is 403.
SENDERS = {
    "advanced": OK,
    "admin": OK,
    "partner_member": OK,
    "partner_no_access": OK,
    "former_partner": OK,
    "foreign": OK,
}
HOME_BASIC_403 = {"basic": 403, "org_member": 403, "org_admin": 403}
HOME_SENDERS_ONLY = {"advanced": OK, "admin": OK, **HOME_BASIC_403}


def _request_pk(world: World) -> dict[str, Any]:
    request, _token = send(world["advanced"])
    return {"pk": request.pk}


def _token(world: World) -> dict[str, Any]:
    _request, token = send(world["advanced"])
    return {"token": token}


def _professional(world: World) -> None:
    world.env.plan = Plan.objects.get(code="professional")
    world.env.save(update_fields=["plan"])


def _upload_pk(world: World) -> dict[str, Any]:
    _professional(world)
    upload: BulkUpload = bulk_upload_preview(
        environment=world.env,
        acting_user=world["advanced"],
        filename="clients.csv",
        content=(
            b"client_name,client_email,kvk_number,organisation_name,software_package,role,payer\n"
            b"Jansen,j@example.test,12345678,Jansen B.V.,exact_online,member,client\n"
        ),
    )
    return {"pk": upload.pk}


def _with_professional_plan(world: World) -> dict[str, Any]:
    _professional(world)
    return {}


ACCEPT_DATA = {"organisation": "new", "role": "10"}
SIGNUP_DATA = {
    "first_name": "Jan",
    "last_name": "Jansen",
    "company_name": "Jansen",
    "password1": "a-long-secret-2026",
    "password2": "a-long-secret-2026",
    "role": "10",
}

ROUTES = [
    Route("authorisations:list", expect(403, **SENDERS)),
    Route("authorisations:create", expect(403, **SENDERS)),
    Route("authorisations:detail", expect(404, **HOME_SENDERS_ONLY), kwargs=_request_pk),
    Route("authorisations:withdraw", expect(404, **HOME_SENDERS_ONLY), kwargs=_request_pk),
    Route("authorisations:resend", expect(404, **HOME_SENDERS_ONLY), kwargs=_request_pk, method="post"),
    Route("authorisations:bulk_list", expect(403, **SENDERS)),
    # Only the home environment is on Professional here; the others' Basic plan answers with the
    # upgrade page (403).
    Route("authorisations:bulk_create", expect(403, advanced=OK, admin=OK), kwargs=_with_professional_plan),
    Route("authorisations:bulk_detail", expect(404, **HOME_SENDERS_ONLY), kwargs=_upload_pk),
    Route("authorisations:bulk_progress", expect(404, **HOME_SENDERS_ONLY), kwargs=_upload_pk),
    Route("authorisations:bulk_confirm", expect(404, **HOME_SENDERS_ONLY), kwargs=_upload_pk, method="post"),
    Route(
        "authorisations:bulk_resend_expired",
        expect(404, **HOME_SENDERS_ONLY),
        kwargs=_upload_pk,
        method="post",
    ),
    # The emailed link: anyone holding it sees the request.
    Route("authorisations:respond", expect(OK, anonymous=OK, inactive=OK), kwargs=_token),
    # Accepting into a new organisation: administrators of another environment. The sender's own
    # environment and advanced users (who may not create organisations) get the form error (400).
    Route(
        "authorisations:respond_accept",
        expect(400, former_partner=OK, foreign=OK),
        kwargs=_token,
        method="post",
        data=lambda w: ACCEPT_DATA,
    ),
    Route("authorisations:respond_decline", expect(OK), kwargs=_token, method="post"),
    Route(
        "authorisations:respond_signup",
        expect(OK, anonymous=OK, inactive=OK),
        kwargs=_token,
        method="post",
        data=lambda w: SIGNUP_DATA,
    ),
]

__all__ = ["LOGIN", "ROUTES"]
