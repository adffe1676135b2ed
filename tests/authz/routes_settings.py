"""Settings pages: administrators of the environment only.

Pages without an object answer 403 to every lower role (any environment: each user reaches their
own environment's settings, so an administrator of another environment gets their own page).
Pages about one user or invitation answer 404 to administrators of another environment.
"""

from __future__ import annotations

from tests.authz.matrix import OK, Route, expect
from tests.factories import InvitationFactory

# Administrators of any environment reach their own settings; everyone else is 403.
ADMINS_OF_ANY_ENVIRONMENT = expect(403, admin=OK, foreign=OK, former_partner=OK)
# About one object of the home environment: only its administrators; other administrators 404.
HOME_ADMINS_ONLY = expect(403, admin=OK, foreign=404, former_partner=404)


def _invitation_pk(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {"pk": InvitationFactory(environment=world.env, invited_by=world["admin"]).pk}


ROUTES = [
    # Settings > Users
    Route("accounts:user_list", ADMINS_OF_ANY_ENVIRONMENT),
    Route("accounts:user_invite", ADMINS_OF_ANY_ENVIRONMENT),
    Route(
        "accounts:user_invite",
        ADMINS_OF_ANY_ENVIRONMENT,
        method="post",
        data=lambda w: {"email": "new-colleague@example.test"},
    ),
    Route("accounts:invitation_list", ADMINS_OF_ANY_ENVIRONMENT),
    Route("accounts:invitation_revoke", HOME_ADMINS_ONLY, kwargs=_invitation_pk),
    Route("accounts:invitation_revoke", HOME_ADMINS_ONLY, kwargs=_invitation_pk, method="post"),
    Route("accounts:invitation_resend", HOME_ADMINS_ONLY, kwargs=_invitation_pk, method="post"),
    Route("accounts:user_detail", HOME_ADMINS_ONLY, kwargs=lambda w: {"pk": w["basic"].pk}),
    Route(
        "accounts:user_role",
        HOME_ADMINS_ONLY,
        kwargs=lambda w: {"pk": w["basic"].pk},
        method="post",
        data=lambda w: {"role": 20},
    ),
    Route(
        "accounts:user_relationship_manager",
        HOME_ADMINS_ONLY,
        kwargs=lambda w: {"pk": w["advanced"].pk},
        method="post",
        data=lambda w: {"is_relationship_manager": "on"},
    ),
    Route("accounts:user_deactivate", HOME_ADMINS_ONLY, kwargs=lambda w: {"pk": w["basic"].pk}),
    Route(
        "accounts:user_deactivate", HOME_ADMINS_ONLY, kwargs=lambda w: {"pk": w["basic"].pk}, method="post"
    ),
    Route(
        "accounts:user_reactivate",
        HOME_ADMINS_ONLY,
        kwargs=lambda w: {"pk": w["inactive"].pk},
        method="post",
    ),
    # Settings > Subscription
    Route("environments:subscription", ADMINS_OF_ANY_ENVIRONMENT),
    Route(
        "environments:subscription_change",
        ADMINS_OF_ANY_ENVIRONMENT,
        kwargs=lambda w: {"code": "professional"},
    ),
    Route(
        "environments:subscription_change",
        ADMINS_OF_ANY_ENVIRONMENT,
        kwargs=lambda w: {"code": "professional"},
        method="post",
    ),
    # Settings > Environment
    Route("environments:environment_settings", ADMINS_OF_ANY_ENVIRONMENT),
    Route(
        "environments:environment_settings",
        ADMINS_OF_ANY_ENVIRONMENT,
        method="post",
        data=lambda w: {"name": "Renamed environment", "listed_in_directory": "on"},
    ),
    # Settings > Audit log
    Route("audit:event_list", ADMINS_OF_ANY_ENVIRONMENT),
    Route("audit:event_list", ADMINS_OF_ANY_ENVIRONMENT, query="?action=user.role_changed"),
]
