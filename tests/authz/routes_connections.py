from __future__ import annotations

from tests.actors import World
from tests.authz.matrix import OK, Route, expect
from tests.connections.factories import software_connection

# Software connections and keys: organisation administrators and administrators of the
# organisation's environment. Members (also the partner member) and everyone else: 404.
CONNECTION_MANAGERS = expect(404, admin=OK, org_admin=OK)


def _org(world: World) -> dict[str, int]:
    return {"pk": world.org.pk}


def _connection(world: World) -> dict[str, int]:
    return {"pk": software_connection(world.org, world["admin"]).pk}


ROUTES = [
    Route("connections:connection_list", CONNECTION_MANAGERS, kwargs=_org),
    Route("connections:connection_create", CONNECTION_MANAGERS, kwargs=_org),
    Route(
        "connections:connection_create",
        CONNECTION_MANAGERS,
        kwargs=_org,
        method="post",
        data=lambda w: {"package": "twinfield"},
    ),
    Route("connections:connection_detail", CONNECTION_MANAGERS, kwargs=_connection),
    Route(
        "connections:connection_detail",
        expect(404, foreign=OK),
        kwargs=lambda w: {"pk": software_connection(w.foreign_org, w["foreign"]).pk},
    ),
    Route("connections:connection_key_issue", CONNECTION_MANAGERS, kwargs=_connection),
    Route("connections:connection_key_issue", CONNECTION_MANAGERS, kwargs=_connection, method="post"),
    Route("connections:connection_revoke", CONNECTION_MANAGERS, kwargs=_connection),
    Route("connections:connection_revoke", CONNECTION_MANAGERS, kwargs=_connection, method="post"),
]
