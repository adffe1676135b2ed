from __future__ import annotations

from tests.authz.matrix import OK, Route, expect

ADMINISTRATORS = {"admin": OK, "former_partner": OK, "foreign": OK}

ROUTES = [
    Route("billing:billing", expect(403, **ADMINISTRATORS)),
    Route("billing:billing_export", expect(403, **ADMINISTRATORS)),
]
