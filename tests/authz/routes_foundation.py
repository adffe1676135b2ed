from __future__ import annotations

from tests.authz.matrix import EVERY_SIGNED_IN_USER, LOGIN, OK, Route, expect

ROUTES = [
    Route("dashboard", expect(**EVERY_SIGNED_IN_USER)),
    # Development mailbox: only with DEBUG on, so a 404 for everyone in tests and production.
    Route("emails:mailbox", expect(404, anonymous=404, inactive=404)),
    Route("emails:mailbox_message", expect(404, anonymous=404, inactive=404), kwargs=lambda w: {"pk": 1}),
    # Invitation links answer the same to everyone: an unknown token is a clear "no longer works".
    Route(
        "accounts:invitation",
        expect(410, anonymous=410, inactive=410),
        kwargs=lambda w: {"token": "not-a-real-token"},
    ),
    # Organisations
    Route("environments:organisation_list", expect(**EVERY_SIGNED_IN_USER)),
    Route(
        "environments:organisation_create",
        expect(403, admin=OK, foreign=OK, partner_member=403, former_partner=OK),
    ),
    Route(
        "environments:organisation_detail",
        expect(404, admin=OK, org_member=OK, org_admin=OK, partner_member=OK),
        kwargs=lambda w: {"pk": w.org.pk},
    ),
    Route(
        "environments:organisation_edit",
        expect(404, admin=OK, org_member=403, org_admin=403, partner_member=403),
        kwargs=lambda w: {"pk": w.org.pk},
    ),
    Route(
        "environments:organisation_members",
        expect(404, admin=OK, org_member=OK, org_admin=OK, partner_member=OK),
        kwargs=lambda w: {"pk": w.org.pk},
    ),
    Route(
        "environments:organisation_member_add",
        expect(404, admin=OK, org_admin=OK),
        kwargs=lambda w: {"pk": w.org.pk},
        method="post",
    ),
    Route(
        "environments:organisation_member_change",
        expect(404, admin=OK, org_admin=OK),
        kwargs=lambda w: {"pk": w.org.pk, "membership_pk": w.org.memberships.get(user=w["org_member"]).pk},
        method="post",
        data=lambda w: {"role": 20},
    ),
    Route(
        "environments:organisation_member_remove",
        expect(404, admin=OK, org_admin=OK),
        kwargs=lambda w: {"pk": w.org.pk, "membership_pk": w.org.memberships.get(user=w["org_member"]).pk},
    ),
]

__all__ = ["LOGIN", "ROUTES"]
