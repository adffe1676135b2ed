"""Permission helpers for partners' pages: load what the user may reach, or raise.

A partnership or relationship request the user's environment is not a party to is Http404,
exactly like a missing one. Inside a party, a role that is too low is PermissionDenied.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import EnvironmentRole, User
from accounts.tokens import link_token_hash, link_token_matches
from environments.models import Environment, PlanFeature
from environments.permissions import require_environment, require_role
from environments.plans import plan_require_feature
from partners.models import Partnership, RelationshipManagerLink, RelationshipRequest
from partners.selectors import directory_environment


class RelationshipRequestLinkUnknown(Exception):
    """No request has this link: mistyped, truncated or made up."""


def access_partnership(*, user: User, pk: int) -> Partnership:
    environment = require_environment(user=user)
    partnership = (
        Partnership.objects.select_related("environment_a", "environment_b", "created_by", "ended_by")
        .filter(Q(environment_a=environment) | Q(environment_b=environment), pk=pk)
        .first()
    )
    if partnership is None:
        raise Http404
    return partnership


def access_partnership_to_end(*, user: User, pk: int) -> Partnership:
    """Advanced users and administrators of either side may end a partnership."""
    partnership = access_partnership(user=user, pk=pk)
    if user.role < EnvironmentRole.ADVANCED_USER:
        raise PermissionDenied
    return partnership


def access_relationship_request(*, user: User, pk: int) -> RelationshipRequest:
    """A request the user's environment sent or received."""
    environment = require_environment(user=user)
    request = (
        RelationshipRequest.objects.select_related(
            "from_environment__plan", "to_environment__plan", "sent_by", "decided_by", "partnership"
        )
        .filter(Q(from_environment=environment) | Q(to_environment=environment), pk=pk)
        .first()
    )
    if request is None:
        raise Http404
    return request


def access_relationship_request_by_token(*, user: User, token: str) -> RelationshipRequest:
    """The request an emailed link points to, for a user of the receiving environment.

    Unknown tokens raise RelationshipRequestLinkUnknown (the page says the link does not work);
    a user of any other environment gets Http404. The token is compared in constant time.
    """
    request = (
        RelationshipRequest.objects.select_related(
            "from_environment__plan", "to_environment__plan", "sent_by", "decided_by", "partnership"
        )
        .filter(token_hash=link_token_hash(token))
        .first()
    )
    if request is None or not link_token_matches(token, request.token_hash):
        raise RelationshipRequestLinkUnknown
    environment = require_environment(user=user)
    if request.to_environment_id != environment.pk:
        raise Http404
    return request


def can_decide(*, user: User, request: RelationshipRequest) -> bool:
    return user.environment_id == request.to_environment_id and user.role >= EnvironmentRole.ADVANCED_USER


def can_withdraw(*, user: User, request: RelationshipRequest) -> bool:
    return user.environment_id == request.from_environment_id and user.role >= EnvironmentRole.ADVANCED_USER


def require_can_decide(*, user: User, request: RelationshipRequest) -> None:
    """Accepting or declining: advanced users and administrators of the receiving environment,
    whose plan has partnerships."""
    if not can_decide(user=user, request=request):
        raise PermissionDenied
    plan_require_feature(request.to_environment, PlanFeature.PARTNERSHIPS)


def require_can_withdraw(*, user: User, request: RelationshipRequest) -> None:
    if not can_withdraw(user=user, request=request):
        raise PermissionDenied


def require_can_send(*, user: User) -> Environment:
    """Finding partners and sending requests: advanced users and administrators whose plan has
    partnerships."""
    environment = require_role(user=user, minimum=EnvironmentRole.ADVANCED_USER)
    plan_require_feature(environment, PlanFeature.PARTNERSHIPS)
    return environment


def access_directory_environment(*, user: User, pk: int) -> Environment:
    """Another environment listed in the directory; unlisted, missing or one's own is Http404."""
    environment = require_can_send(user=user)
    target = directory_environment(environment=environment, pk=pk)
    if target is None:
        raise Http404
    return target


def require_manager_administrator(*, user: User) -> Environment:
    """Connecting and disconnecting relationship managers: administrators, on a plan with them."""
    environment = require_role(user=user, minimum=EnvironmentRole.ADMINISTRATOR)
    plan_require_feature(environment, PlanFeature.RELATIONSHIP_MANAGERS)
    return environment


def access_manager_link(*, user: User, pk: int) -> RelationshipManagerLink:
    """An open link of one of the administrator's own relationship managers."""
    environment = require_environment(user=user)
    link = (
        RelationshipManagerLink.objects.select_related("user", "partnership")
        .filter(pk=pk, user__environment=environment)
        .first()
    )
    if link is None:
        raise Http404
    require_manager_administrator(user=user)
    return link
