from __future__ import annotations

from tests.authz.matrix import OK, Route, expect
from tests.documents.factories import draft_invoice

# The schema and its documentation are public on purpose: software vendors read them first.
PUBLIC = expect(OK, anonymous=OK, inactive=OK)
# The API authenticates software connections by connection key only: a browser session, of
# whatever user, is a 401 (tests/api/ tries the keys themselves).
KEY_ONLY = expect(401, anonymous=401, inactive=401)


def _draft(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {"pk": draft_invoice(world.org).pk}


ROUTES = [
    Route("api:schema", PUBLIC),
    Route("api:docs", PUBLIC),
    Route("api:incoming_documents", KEY_ONLY),
    Route("api:document_detail", KEY_ONLY, kwargs=_draft),
    Route("api:document_ubl", KEY_ONLY, kwargs=_draft),
    Route("api:document_downloaded", KEY_ONLY, kwargs=_draft, method="post"),
    Route("api:invoice_submit", KEY_ONLY, method="post"),
    Route("api:invoice_submit_ubl", KEY_ONLY, method="post"),
    Route("api:invoice_status", KEY_ONLY, kwargs=_draft),
]
