"""Every write about partnerships, relationship requests and relationship managers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EnvironmentRole, User
from accounts.tokens import link_token_new
from audit.services import audit_event_build, audit_record, audit_record_many
from emails.services import absolute_url, email_queue
from environments.models import Environment, OrganisationMembership, OrganisationRole, PlanFeature
from environments.plans import plan_require_feature
from environments.services import memberships_revoke_all
from partners.models import (
    Partnership,
    PartnershipOrigin,
    PartnershipStatus,
    RelationshipManagerLink,
    RelationshipRequest,
    RelationshipRequestStatus,
)
from partners.selectors import (
    canonical_pair,
    environment_contacts,
    open_manager_links_of_partnership,
    partnership_access,
    partnership_active_between,
    partnership_side_contacts,
    pending_requests_between,
    reverse_pending_request,
)
from partners.signals import partnership_ended

logger = logging.getLogger(__name__)


class RelationshipRequestUnusable(Exception):
    """The request is no longer pending (accepted, declined, withdrawn or expired); the page
    says which."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class ReverseRequestPending(Exception):
    """The other environment already asked: the user is offered to accept that request."""

    def __init__(self, relationship_request: RelationshipRequest) -> None:
        super().__init__(relationship_request.pk)
        self.relationship_request = relationship_request


def relationship_request_valid_for() -> timedelta:
    return timedelta(days=settings.RELATIONSHIP_REQUEST_VALID_DAYS)


def _addresses(users: Iterable[User | None]) -> list[str]:
    return sorted({user.email for user in users if user is not None and user.is_active})


def _other(partnership: Partnership, environment_id: int) -> Environment:
    if partnership.environment_a_id == environment_id:
        return partnership.environment_b
    return partnership.environment_a


# --- Partnerships ---------------------------------------------------------------------------


def partnership_establish(
    *,
    environment: Environment,
    other_environment: Environment,
    origin: str,
    acting_user: User | None,
) -> tuple[Partnership, bool]:
    """The active partnership between the two environments, created if there is none.

    Returns ``(partnership, created)``. Safe against concurrent calls: the partial unique
    constraint lets only one insert win; the loser reads the winner's row. Writes an audit event
    for each side when it creates. Call it inside the caller's transaction (it nests).
    """
    if environment.pk == other_environment.pk:
        raise ValidationError(_("An environment cannot form a partnership with itself."))
    if origin not in PartnershipOrigin.values:
        raise ValueError(f"unknown partnership origin {origin!r}")
    a_id, b_id = canonical_pair(environment.pk, other_environment.pk)
    with transaction.atomic():
        existing = (
            Partnership.objects.select_for_update()
            .filter(environment_a_id=a_id, environment_b_id=b_id, status=PartnershipStatus.ACTIVE)
            .first()
        )
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                partnership = Partnership.objects.create(
                    environment_a_id=a_id,
                    environment_b_id=b_id,
                    origin=origin,
                    created_by=acting_user,
                )
        except IntegrityError:
            # Another transaction formed it first and has committed: use that one.
            winner = Partnership.objects.select_for_update().get(
                environment_a_id=a_id, environment_b_id=b_id, status=PartnershipStatus.ACTIVE
            )
            return winner, False
        for side, other_side in ((environment, other_environment), (other_environment, environment)):
            audit_record(
                actor=acting_user,
                action="partnership.formed",
                environment=side,
                other_environment=other_side,
                target=partnership,
                data={"origin": origin, "partner": other_side.name},
            )
        logger.info(
            "partnership formed",
            extra={"partnership": partnership.pk, "environments": [a_id, b_id], "origin": origin},
        )
        return partnership, True


def _require_partnership_party(*, user: User, partnership: Partnership) -> None:
    if user.environment_id not in (partnership.environment_a_id, partnership.environment_b_id):
        raise PermissionDenied
    if user.role < EnvironmentRole.ADVANCED_USER:
        raise PermissionDenied


def partnership_end(*, partnership: Partnership, acting_user: User) -> bool:
    """End an active partnership; returns False when it had already ended.

    In one transaction, with the partnership row locked (so no membership can be granted under
    it meanwhile): marks it ended, removes every membership granted across the two environments
    in both directions together with its guardian permissions, withdraws pending relationship
    requests between them, closes relationship-manager links, sends ``partnership_ended`` (other
    apps revoke connection keys and return cost allocations there), writes audit events for both
    sides and emails both sides on commit. Documents and organisations are never touched.
    """
    _require_partnership_party(user=acting_user, partnership=partnership)
    with transaction.atomic():
        locked = (
            Partnership.objects.select_for_update(of=("self",))
            .select_related("environment_a", "environment_b")
            .get(pk=partnership.pk)
        )
        if not locked.is_active:
            return False
        # Who to tell is decided before the links close.
        contacts = {
            side.pk: partnership_side_contacts(partnership=locked, environment_id=side.pk)
            for side in (locked.environment_a, locked.environment_b)
        }
        now = timezone.now()
        locked.status = PartnershipStatus.ENDED
        locked.ended_at = now
        locked.ended_by = acting_user
        locked.save(update_fields=["status", "ended_at", "ended_by"])

        access = partnership_access(partnership=locked)
        organisation_count = access.values("organisation_id").distinct().count()
        removed = memberships_revoke_all(
            memberships=OrganisationMembership.objects.filter(pk__in=access.values("pk")),
            acting_user=acting_user,
            reason="partnership ended",
        )
        withdrawn = list(
            pending_requests_between(
                environment_id=locked.environment_a_id, other_environment_id=locked.environment_b_id
            )
            .select_for_update()
            .select_related("from_environment", "to_environment")
        )
        RelationshipRequest.objects.filter(pk__in=[request.pk for request in withdrawn]).update(
            status=RelationshipRequestStatus.WITHDRAWN, decided_at=now, decided_by=acting_user
        )
        audit_record_many(
            [
                audit_event_build(
                    actor=acting_user,
                    action="relationship_request.withdrawn",
                    environment=request.from_environment,
                    other_environment=request.to_environment,
                    target=request,
                    data={"reason": "partnership ended"},
                )
                for request in withdrawn
            ]
        )
        links_closed = RelationshipManagerLink.objects.filter(
            partnership=locked, disconnected_at__isnull=True
        ).update(disconnected_at=now, disconnected_by=acting_user)

        partnership_ended.send(sender=Partnership, partnership=locked, acting_user=acting_user)

        summary = {
            "memberships_removed": removed,
            "organisations": organisation_count,
            "requests_withdrawn": len(withdrawn),
            "manager_links_closed": links_closed,
        }
        for side, other_side in (
            (locked.environment_a, locked.environment_b),
            (locked.environment_b, locked.environment_a),
        ):
            audit_record(
                actor=acting_user,
                action="partnership.ended",
                environment=side,
                other_environment=other_side,
                target=locked,
                data={**summary, "partner": other_side.name},
            )
            email_queue(
                to=_addresses(contacts[side.pk]),
                template="partners/email/partnership_ended",
                context={
                    "partner_name": other_side.name,
                    "ended_by_name": acting_user.display_name,
                    "ended_by_environment": acting_user.home.name,
                    "memberships_removed": removed,
                    "link": absolute_url("partners:partnership_detail", kwargs={"pk": locked.pk}),
                },
            )
        partnership.status = locked.status
        partnership.ended_at = locked.ended_at
        partnership.ended_by = acting_user
        logger.info("partnership ended", extra={"partnership": locked.pk, **summary})
        return True


# --- Relationship requests ------------------------------------------------------------------


def _expire(requests: QuerySet[RelationshipRequest], *, now: datetime) -> list[RelationshipRequest]:
    """Mark overdue pending requests expired, audit it and tell each sender. Rows another
    transaction holds (an accept in progress) are skipped: that accept checks expiry itself."""
    overdue = list(
        requests.filter(status=RelationshipRequestStatus.PENDING, expires_at__lte=now)
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("from_environment", "to_environment", "sent_by")
        .order_by("pk")
    )
    if not overdue:
        return []
    RelationshipRequest.objects.filter(
        pk__in=[request.pk for request in overdue], status=RelationshipRequestStatus.PENDING
    ).update(status=RelationshipRequestStatus.EXPIRED, decided_at=now)
    audit_record_many(
        [
            audit_event_build(
                actor=None,
                action="relationship_request.expired",
                environment=request.from_environment,
                other_environment=request.to_environment,
                target=request,
                data={"to": request.to_environment.name},
            )
            for request in overdue
        ]
    )
    for request in overdue:
        request.status = RelationshipRequestStatus.EXPIRED
        email_queue(
            to=_sender_side(request),
            template="partners/email/relationship_request_expired",
            context={
                "partner_name": request.to_environment.name,
                "sent_at": request.created_at,
                "link": absolute_url("partners:request_detail", kwargs={"pk": request.pk}),
                "find_link": absolute_url("partners:find"),
            },
        )
    return overdue


def relationship_requests_expire(*, now: datetime | None = None) -> int:
    """The periodic job: expire every overdue pending request in one update and tell the
    senders. Idempotent: a second run finds nothing."""
    with transaction.atomic():
        expired = _expire(RelationshipRequest.objects.all(), now=now or timezone.now())
    if expired:
        logger.info("relationship requests expired", extra={"count": len(expired)})
    return len(expired)


def relationship_requests_remind(*, now: datetime | None = None) -> int:
    """The periodic job: remind the recipients of every pending request that expires within
    RELATIONSHIP_REQUEST_REMINDER_DAYS, once (``reminder_sent_at`` is set in the same update)."""
    moment = now or timezone.now()
    horizon = moment + timedelta(days=settings.RELATIONSHIP_REQUEST_REMINDER_DAYS)
    with transaction.atomic():
        due = list(
            RelationshipRequest.objects.filter(
                status=RelationshipRequestStatus.PENDING,
                reminder_sent_at__isnull=True,
                expires_at__gt=moment,
                expires_at__lte=horizon,
            )
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("from_environment", "to_environment", "sent_by")
            .order_by("pk")
        )
        RelationshipRequest.objects.filter(pk__in=[request.pk for request in due]).update(
            reminder_sent_at=moment
        )
        for request in due:
            email_queue(
                to=_addresses(environment_contacts(environment_id=request.to_environment_id)),
                template="partners/email/relationship_request_reminder",
                context={
                    "sender_environment": request.from_environment.name,
                    "sender_name": request.sent_by.display_name if request.sent_by else "",
                    "expires_at": request.expires_at,
                    # The emailed token is not stored; the reminder links to the request in the
                    # portal, which recipients reach after signing in.
                    "link": absolute_url("partners:request_detail", kwargs={"pk": request.pk}),
                },
            )
    return len(due)


def _sender_side(request: RelationshipRequest) -> list[str]:
    """Who hears how a request ended: its sender, or the sending environment's contacts when
    the sender's account is gone."""
    sender = request.sent_by
    if sender is not None and sender.is_active and sender.environment_id == request.from_environment_id:
        return [sender.email]
    return _addresses(environment_contacts(environment_id=request.from_environment_id))


def relationship_request_send(
    *,
    from_environment: Environment,
    to_environment: Environment,
    acting_user: User,
    message: str = "",
) -> RelationshipRequest:
    """Ask ``to_environment`` to form a partnership; the link is emailed on commit to its
    relationship managers, or its administrators where it has none.

    Refused when: the sender is not an advanced user or administrator of ``from_environment``;
    either plan lacks partnerships; the receiver left the directory; they already are partners;
    a request this way is pending. When the other side already asked, raises
    ReverseRequestPending so the user can accept that instead. Both environment rows are locked
    (in id order) so two people asking each other at once cannot both send.
    """
    if from_environment.pk == to_environment.pk:
        raise ValidationError(_("You cannot send a relationship request to your own environment."))
    if acting_user.environment_id != from_environment.pk or acting_user.role < EnvironmentRole.ADVANCED_USER:
        raise PermissionDenied
    with transaction.atomic():
        locked = {
            environment.pk: environment
            for environment in Environment.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(pk__in=[from_environment.pk, to_environment.pk])
            .order_by("pk")
        }
        sender, receiver = locked[from_environment.pk], locked[to_environment.pk]
        plan_require_feature(sender, PlanFeature.PARTNERSHIPS)
        if not receiver.plan.has_partnerships:
            raise ValidationError(
                _(
                    "%(name)s's subscription does not include partnerships, so it cannot accept a "
                    "relationship request."
                )
                % {"name": receiver.name}
            )
        if not receiver.listed_in_directory:
            raise ValidationError(_("%(name)s is not in the partner directory.") % {"name": receiver.name})
        if partnership_active_between(environment_id=sender.pk, other_environment_id=receiver.pk):
            raise ValidationError(
                _("You already have an active partnership with %(name)s") % {"name": receiver.name}
            )
        now = timezone.now()
        _expire(pending_requests_between(environment_id=sender.pk, other_environment_id=receiver.pk), now=now)
        reverse = reverse_pending_request(
            from_environment_id=sender.pk, to_environment_id=receiver.pk, now=now
        )
        if reverse is not None:
            raise ReverseRequestPending(reverse)
        already = _("You already sent %(name)s a relationship request; it is still pending.") % {
            "name": receiver.name
        }
        token, token_hash = link_token_new()
        try:
            with transaction.atomic():
                request = RelationshipRequest.objects.create(
                    from_environment=sender,
                    to_environment=receiver,
                    sent_by=acting_user,
                    message=message.strip(),
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=now + relationship_request_valid_for(),
                )
        except IntegrityError as error:
            raise ValidationError(already) from error
        audit_record(
            actor=acting_user,
            action="relationship_request.sent",
            environment=sender,
            other_environment=receiver,
            target=request,
            data={"to": receiver.name},
        )
        email_queue(
            to=_addresses(environment_contacts(environment_id=receiver.pk)),
            template="partners/email/relationship_request",
            context={
                "sender_environment": sender.name,
                "sender_kvk": sender.kvk_number,
                "sender_name": acting_user.display_name,
                "sender_email": acting_user.email,
                "message": request.message,
                "expires_at": request.expires_at,
                "link": absolute_url("partners:request_link", kwargs={"token": token}),
            },
        )
        return request


def _lock_request(relationship_request: RelationshipRequest) -> RelationshipRequest:
    return (
        RelationshipRequest.objects.select_for_update(of=("self",))
        .select_related("from_environment__plan", "to_environment__plan", "sent_by")
        .get(pk=relationship_request.pk)
    )


def _require_pending(request: RelationshipRequest) -> None:
    if request.status != RelationshipRequestStatus.PENDING:
        raise RelationshipRequestUnusable(request.status)
    if request.is_expired:
        raise RelationshipRequestUnusable(RelationshipRequestStatus.EXPIRED)


def _require_receiver(*, user: User, request: RelationshipRequest) -> None:
    if user.environment_id != request.to_environment_id or user.role < EnvironmentRole.ADVANCED_USER:
        raise PermissionDenied


def relationship_request_accept(
    *, relationship_request: RelationshipRequest, acting_user: User
) -> Partnership:
    """Accept a pending request: the partnership is formed (or the active one reused) and both
    sides are told on commit.

    The request row is locked, so of many simultaneous accepts exactly one succeeds and the
    others see it accepted; expiry is checked here, inside the transaction, not only by the
    periodic job. A pending request the other way is fulfilled by the same partnership.
    """
    with transaction.atomic():
        request = _lock_request(relationship_request)
        _require_receiver(user=acting_user, request=request)
        _require_pending(request)
        plan_require_feature(request.to_environment, PlanFeature.PARTNERSHIPS)
        if not request.from_environment.plan.has_partnerships:
            raise ValidationError(
                _("%(name)s's subscription no longer includes partnerships.")
                % {"name": request.from_environment.name}
            )
        partnership, created = partnership_establish(
            environment=request.to_environment,
            other_environment=request.from_environment,
            origin=PartnershipOrigin.RELATIONSHIP_REQUEST,
            acting_user=acting_user,
        )
        now = timezone.now()
        request.status = RelationshipRequestStatus.ACCEPTED
        request.decided_at = now
        request.decided_by = acting_user
        request.partnership = partnership
        request.save(update_fields=["status", "decided_at", "decided_by", "partnership"])
        # A pending request the other way asked for the same partnership: it is fulfilled too.
        fulfilled = list(
            RelationshipRequest.objects.select_for_update()
            .filter(
                from_environment=request.to_environment,
                to_environment=request.from_environment,
                status=RelationshipRequestStatus.PENDING,
            )
            .values_list("pk", flat=True)
        )
        RelationshipRequest.objects.filter(pk__in=fulfilled).update(
            status=RelationshipRequestStatus.ACCEPTED,
            decided_at=now,
            decided_by=acting_user,
            partnership=partnership,
        )
        audit_record_many(
            [
                audit_event_build(
                    actor=acting_user,
                    action="relationship_request.accepted",
                    environment=request.to_environment,
                    other_environment=request.from_environment,
                    target=fulfilled_request,
                    data={"partnership": partnership.pk, "reason": "the other side's request was accepted"},
                )
                for fulfilled_request in RelationshipRequest.objects.filter(pk__in=fulfilled)
            ]
        )
        audit_record(
            actor=acting_user,
            action="relationship_request.accepted",
            environment=request.to_environment,
            other_environment=request.from_environment,
            target=request,
            data={"partnership": partnership.pk, "new_partnership": created},
        )
        link = absolute_url("partners:partnership_detail", kwargs={"pk": partnership.pk})
        email_queue(
            to=sorted(
                {
                    *_sender_side(request),
                    *_addresses(
                        partnership_side_contacts(
                            partnership=partnership, environment_id=request.from_environment_id
                        )
                    ),
                }
            ),
            template="partners/email/relationship_request_accepted",
            context={
                "partner_name": request.to_environment.name,
                "accepted_by_name": acting_user.display_name,
                "you_accepted": False,
                "link": link,
            },
        )
        email_queue(
            to=_addresses(
                partnership_side_contacts(partnership=partnership, environment_id=request.to_environment_id)
            ),
            template="partners/email/relationship_request_accepted",
            context={
                "partner_name": request.from_environment.name,
                "accepted_by_name": acting_user.display_name,
                "you_accepted": True,
                "link": link,
            },
        )
        relationship_request.status = request.status
        relationship_request.partnership = partnership
        return partnership


def relationship_request_decline(*, relationship_request: RelationshipRequest, acting_user: User) -> None:
    """Decline a pending request; the sender is told on commit."""
    with transaction.atomic():
        request = _lock_request(relationship_request)
        _require_receiver(user=acting_user, request=request)
        _require_pending(request)
        request.status = RelationshipRequestStatus.DECLINED
        request.decided_at = timezone.now()
        request.decided_by = acting_user
        request.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=acting_user,
            action="relationship_request.declined",
            environment=request.to_environment,
            other_environment=request.from_environment,
            target=request,
        )
        email_queue(
            to=_sender_side(request),
            template="partners/email/relationship_request_declined",
            context={
                "partner_name": request.to_environment.name,
                "sent_at": request.created_at,
                "link": absolute_url("partners:request_detail", kwargs={"pk": request.pk}),
            },
        )
        relationship_request.status = request.status


def relationship_request_withdraw(*, relationship_request: RelationshipRequest, acting_user: User) -> None:
    """The sender's side withdraws a pending request; its link stops working at once."""
    with transaction.atomic():
        request = _lock_request(relationship_request)
        if (
            acting_user.environment_id != request.from_environment_id
            or acting_user.role < EnvironmentRole.ADVANCED_USER
        ):
            raise PermissionDenied
        if request.status != RelationshipRequestStatus.PENDING:
            raise RelationshipRequestUnusable(request.status)
        request.status = RelationshipRequestStatus.WITHDRAWN
        request.decided_at = timezone.now()
        request.decided_by = acting_user
        request.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=acting_user,
            action="relationship_request.withdrawn",
            environment=request.from_environment,
            other_environment=request.to_environment,
            target=request,
        )
        relationship_request.status = request.status


# --- Relationship managers ------------------------------------------------------------------


def relationship_manager_connect(
    *, partnership: Partnership, user: User, acting_user: User
) -> RelationshipManagerLink:
    """Connect one of the acting administrator's own relationship managers to an active
    partnership. Idempotent: an already connected manager keeps the open link. The partnership
    row is locked so a connection cannot slip in while it is being ended."""
    if not acting_user.is_environment_administrator or acting_user.environment_id not in (
        partnership.environment_a_id,
        partnership.environment_b_id,
    ):
        raise PermissionDenied
    plan_require_feature(acting_user.home, PlanFeature.RELATIONSHIP_MANAGERS)
    if (
        user.environment_id != acting_user.environment_id
        or not user.is_active
        or not user.is_relationship_manager
    ):
        raise ValidationError(_("Choose one of your own environment's relationship managers."))
    with transaction.atomic():
        locked = (
            Partnership.objects.select_for_update(of=("self",))
            .select_related("environment_a", "environment_b")
            .get(pk=partnership.pk)
        )
        if not locked.is_active:
            raise ValidationError(_("This partnership has ended."))
        existing = RelationshipManagerLink.objects.filter(
            partnership=locked, user=user, disconnected_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        link = RelationshipManagerLink.objects.create(partnership=locked, user=user, connected_by=acting_user)
        partner = _other(locked, acting_user.home.pk)
        audit_record(
            actor=acting_user,
            action="relationship_manager.connected",
            environment=acting_user.home,
            other_environment=partner,
            target=link,
            data={"user": user.email, "partner": partner.name},
        )
        email_queue(
            to=[user.email],
            template="partners/email/relationship_manager_connected",
            context={
                "manager_name": user.display_name,
                "partner_name": partner.name,
                "connected_by_name": acting_user.display_name,
                "link": absolute_url("partners:partnership_detail", kwargs={"pk": locked.pk}),
            },
        )
        return link


def relationship_manager_disconnect(*, link: RelationshipManagerLink, acting_user: User) -> None:
    """Close an open link; an administrator disconnects only their own environment's managers."""
    with transaction.atomic():
        locked = (
            RelationshipManagerLink.objects.select_for_update(of=("self",))
            .select_related("user", "partnership__environment_a", "partnership__environment_b")
            .get(pk=link.pk)
        )
        if (
            not acting_user.is_environment_administrator
            or locked.user.environment_id != acting_user.environment_id
        ):
            raise PermissionDenied
        if locked.disconnected_at is not None:
            return
        locked.disconnected_at = timezone.now()
        locked.disconnected_by = acting_user
        locked.save(update_fields=["disconnected_at", "disconnected_by"])
        partner = _other(locked.partnership, acting_user.home.pk)
        audit_record(
            actor=acting_user,
            action="relationship_manager.disconnected",
            environment=acting_user.home,
            other_environment=partner,
            target=locked,
            data={"user": locked.user.email, "partner": partner.name},
        )


def partner_access_changed_notify(
    *, membership: OrganisationMembership, change: str, acting_user: User | None
) -> None:
    """Tell the relationship managers connected to the partnership (both sides) that a partner
    user's access to an organisation changed. Called by the membership services inside their
    transaction; does nothing when no manager is connected."""
    partnership = membership.partnership
    if partnership is None or not partnership.is_active:
        return
    recipients = _addresses(link.user for link in open_manager_links_of_partnership(partnership=partnership))
    if not recipients:
        return
    organisation = membership.organisation
    email_queue(
        to=recipients,
        template="partners/email/partner_access_changed",
        context={
            "change": change,
            "user_name": membership.user.display_name,
            "user_email": membership.user.email,
            "user_environment": membership.user.environment.name if membership.user.environment else "",
            "organisation_name": organisation.name,
            "organisation_environment": organisation.environment.name,
            "role": OrganisationRole(membership.role).label,
            "acting_name": acting_user.display_name if acting_user is not None else _("the portal"),
            "link": absolute_url("partners:partnership_detail", kwargs={"pk": partnership.pk}),
        },
    )
