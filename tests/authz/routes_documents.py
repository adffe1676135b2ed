from __future__ import annotations

from tests.actors import World
from tests.authz.matrix import EVERY_SIGNED_IN_USER, OK, Route, expect
from tests.documents.factories import draft_invoice

# Documents of the home organisation: its members and administrators (the partner user holds the
# member role), and administrators of its environment. Everyone else: 404.
DOCUMENT_USERS = expect(404, admin=OK, org_member=OK, org_admin=OK, partner_member=OK)


def _org(world: World) -> dict[str, int]:
    return {"pk": world.org.pk}


def _draft(world: World) -> dict[str, int]:
    return {"pk": draft_invoice(world.org).pk}


def _invoice_form(world: World) -> dict[str, str]:
    return {
        "number": "ROUTE-1",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "currency": "EUR",
        "counterparty_name": "Customer B.V.",
        "counterparty_peppol_id": "0106:99999999",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "500",
        "lines-0-description": "Work",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10.00",
        "lines-0-vat_rate": "21.00",
    }


ROUTES = [
    Route("documents:invoice_list", expect(**EVERY_SIGNED_IN_USER)),
    Route("documents:client_list", expect(**EVERY_SIGNED_IN_USER)),
    Route("documents:organisation_invoice_list", DOCUMENT_USERS, kwargs=_org),
    Route("documents:invoice_create", DOCUMENT_USERS, kwargs=_org),
    Route("documents:invoice_create", DOCUMENT_USERS, kwargs=_org, method="post", data=_invoice_form),
    Route("documents:invoice_upload", DOCUMENT_USERS, kwargs=_org),
    Route("documents:invoice_detail", DOCUMENT_USERS, kwargs=_draft),
    Route(
        "documents:invoice_detail",
        expect(404, foreign=OK),
        kwargs=lambda w: {"pk": draft_invoice(w.foreign_org).pk},
    ),
    Route("documents:invoice_edit", DOCUMENT_USERS, kwargs=_draft),
    Route("documents:invoice_edit", DOCUMENT_USERS, kwargs=_draft, method="post", data=_invoice_form),
    Route("documents:invoice_send", DOCUMENT_USERS, kwargs=_draft),
    Route("documents:invoice_send", DOCUMENT_USERS, kwargs=_draft, method="post"),
    Route("documents:invoice_ubl", DOCUMENT_USERS, kwargs=_draft),
]
