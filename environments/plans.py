"""The one place where plan features and limits are checked."""

from __future__ import annotations

from django.utils.translation import gettext as _

from environments.models import Environment, PlanFeature


class PlanFeatureUnavailable(Exception):
    """A plan check failed. Rendered as a page that says what to do, never a bare 403."""

    def __init__(self, message: str, *, feature: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.feature = feature


_FEATURE_MESSAGES = {
    PlanFeature.PARTNERSHIPS: "Partnerships are available from the Basic subscription: upgrade to use them.",
    PlanFeature.RELATIONSHIP_MANAGERS: (
        "Relationship managers are available from the Basic subscription: upgrade to use them."
    ),
    PlanFeature.AUTHORISATION_REQUESTS: (
        "Authorisation requests are available from the Basic subscription: upgrade to send them."
    ),
    PlanFeature.BULK_AUTHORISATION_REQUESTS: (
        "Bulk authorisation requests are available from the Professional subscription: upgrade to use them."
    ),
}


def environment_has_feature(environment: Environment, feature: str) -> bool:
    return environment.plan.has_feature(feature)


def plan_require_feature(environment: Environment, feature: str) -> None:
    """Raise PlanFeatureUnavailable unless the environment's plan includes ``feature``."""
    if not environment_has_feature(environment, feature):
        raise PlanFeatureUnavailable(_(_FEATURE_MESSAGES[PlanFeature(feature)]), feature=feature)


def plan_require_organisation_capacity(environment: Environment, *, current_count: int) -> None:
    limit = environment.plan.max_organisations
    if limit is not None and current_count >= limit:
        raise PlanFeatureUnavailable(
            _(
                "Your %(plan)s subscription allows at most %(limit)d organisations. "
                "Upgrade your subscription to add more."
            )
            % {"plan": environment.plan.name, "limit": limit}
        )


def plan_require_user_capacity(
    environment: Environment, *, current_count: int, open_invitations: int = 0
) -> None:
    """Room for one more user? Open invitations count, so accepting them cannot overshoot."""
    limit = environment.plan.max_users
    if limit is not None and current_count + open_invitations >= limit:
        message = _(
            "Your %(plan)s subscription allows at most %(limit)d users. "
            "Upgrade your subscription to add more."
        ) % {"plan": environment.plan.name, "limit": limit}
        if open_invitations:
            message += " " + _("Open invitations count too: revoking one you no longer need also makes room.")
        raise PlanFeatureUnavailable(message)
