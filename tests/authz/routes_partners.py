"""Authorization matrix entries for every partners URL pattern.

The world's ``env`` has an active partnership with ``partner_env`` (partner_member has a
membership on ``org``, partner_no_access none), an ended one with ``former_env`` and nothing with
``foreign_env``. Requests and manager links are made per test through the kwargs callables.
"""

from __future__ import annotations

from typing import Any

from partners.models import RelationshipManagerLink, RelationshipRequest
from tests.actors import World
from tests.authz.matrix import EVERY_SIGNED_IN_USER, OK, Route, expect
from tests.partners.factories import RelationshipManagerFactory, RelationshipRequestFactory

LINK_TOKEN = "matrix-link-token-0123456789abcdefghijklmnopqrstuv"

# Users of the world's home environment who are basic users (with or without organisation roles).
HOME_BASIC = {"basic": 403, "org_member": 403, "org_admin": 403}
HOME_EVERYONE = dict.fromkeys(["basic", "advanced", "admin", "org_member", "org_admin"], OK)


def incoming_request(world: World) -> RelationshipRequest:
    """A pending request from the foreign environment to the home environment."""
    return RelationshipRequestFactory(
        from_environment=world.foreign_env,
        to_environment=world.env,
        sent_by=world["foreign"],
        token=LINK_TOKEN,
    )


def outgoing_request(world: World) -> RelationshipRequest:
    return RelationshipRequestFactory(
        from_environment=world.env, to_environment=world.foreign_env, sent_by=world["advanced"]
    )


def home_manager_link(world: World) -> RelationshipManagerLink:
    manager = RelationshipManagerFactory(environment=world.env, email="rm@home.test")
    return RelationshipManagerLink.objects.create(partnership=world.partnership, user=manager)


def connect_data(world: World) -> dict[str, Any]:
    manager = RelationshipManagerFactory(environment=world.env, email="rm-connect@home.test")
    return {"partnership": world.partnership.pk, "user": manager.pk}


ROUTES = [
    # Find partners and sending: advanced users and administrators on a plan with partnerships.
    Route("partners:find", expect(OK, **HOME_BASIC)),
    Route(
        "partners:request_create",
        expect(OK, **HOME_BASIC, foreign=404),
        kwargs=lambda w: {"environment_pk": w.foreign_env.pk},
    ),
    # Requests: both parties see a request; only the receiver's advanced users and administrators
    # answer it, only the sender's withdraw it; anyone else gets 404.
    Route("partners:request_list", expect(**EVERY_SIGNED_IN_USER)),
    Route(
        "partners:request_detail",
        expect(404, **HOME_EVERYONE, foreign=OK),
        kwargs=lambda w: {"pk": incoming_request(w).pk},
    ),
    Route(
        "partners:request_accept",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, foreign=403),
        kwargs=lambda w: {"pk": incoming_request(w).pk},
        method="post",
    ),
    Route(
        "partners:request_decline",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, foreign=403),
        kwargs=lambda w: {"pk": incoming_request(w).pk},
        method="post",
    ),
    Route(
        "partners:request_withdraw",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, foreign=403),
        kwargs=lambda w: {"pk": outgoing_request(w).pk},
    ),
    Route(
        "partners:request_withdraw",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, foreign=403),
        kwargs=lambda w: {"pk": outgoing_request(w).pk},
        method="post",
    ),
    # The emailed link: users of the receiving environment only; an unknown token is a clear page.
    Route(
        "partners:request_link",
        expect(404, **HOME_EVERYONE),
        kwargs=lambda w: {"token": incoming_request(w) and LINK_TOKEN},
    ),
    Route(
        "partners:request_link",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC),
        kwargs=lambda w: {"token": incoming_request(w) and LINK_TOKEN},
        method="post",
        data=lambda w: {"action": "accept"},
    ),
    Route(
        "partners:request_link",
        expect(OK),
        kwargs=lambda w: {"token": "no-such-token"},
    ),
    # Partnerships: both sides see it (history too); advanced users and administrators end it.
    Route("partners:partnership_list", expect(**EVERY_SIGNED_IN_USER)),
    Route("partners:partnership_list", expect(**EVERY_SIGNED_IN_USER), query="?status=ended&q=former"),
    Route(
        "partners:partnership_detail",
        expect(404, **HOME_EVERYONE, partner_member=OK, partner_no_access=OK),
        kwargs=lambda w: {"pk": w.partnership.pk},
    ),
    Route(
        "partners:partnership_detail",
        expect(404, **HOME_EVERYONE, former_partner=OK),
        kwargs=lambda w: {"pk": w.former_partnership.pk},
    ),
    Route(
        "partners:partnership_end",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, partner_member=OK, partner_no_access=OK),
        kwargs=lambda w: {"pk": w.partnership.pk},
    ),
    Route(
        "partners:partnership_end",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, partner_member=OK, partner_no_access=OK),
        kwargs=lambda w: {"pk": w.partnership.pk},
        method="post",
    ),
    Route(
        "partners:partnership_end",
        expect(404, advanced=OK, admin=OK, **HOME_BASIC, former_partner=OK),
        kwargs=lambda w: {"pk": w.former_partnership.pk},
        method="post",
    ),
    # Relationship managers: everyone sees the page; administrators connect and disconnect
    # their own environment's managers.
    Route("partners:relationship_managers", expect(**EVERY_SIGNED_IN_USER)),
    Route(
        "partners:relationship_manager_connect",
        expect(403, admin=OK, former_partner=OK, foreign=OK),
        method="post",
        data=connect_data,
    ),
    Route(
        "partners:relationship_manager_disconnect",
        expect(404, admin=OK, advanced=403, **HOME_BASIC),
        kwargs=lambda w: {"pk": home_manager_link(w).pk},
        method="post",
    ),
]
