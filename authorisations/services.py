"""Every write about authorisation requests: send, resend, withdraw, decline, accept, expire.

A request is answered from an emailed link. Links carry 256-bit tokens of which only the hash is
stored; a resend supersedes the previous link. Expiry is checked when the link is used, inside the
answering transaction, as well as by the beat job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EnvironmentRole, User
from accounts.tokens import link_token_hash, link_token_new
from audit.services import audit_event_build, audit_record, audit_record_many
from authorisations.models import (
    AuthorisationLink,
    AuthorisationRequest,
    AuthorisationRequestStatus,
    BulkUpload,
    Payer,
)
from authorisations.permissions import responder_refusal
from billing.services import cost_allocation_assign
from connections.models import ConnectionStatus, SoftwareConnection
from connections.services import connection_create
from emails.services import absolute_url, email_queue
from environments.models import (
    Environment,
    Organisation,
    OrganisationMembership,
    OrganisationRole,
    PlanFeature,
)
from environments.plans import plan_require_feature
from environments.selectors import organisations_administered_by
from environments.services import environment_create, membership_grant, organisation_create
from partners.models import PartnershipOrigin
from partners.selectors import environment_contacts, partnership_side_contacts
from partners.services import partnership_establish

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthorisationRequestDraft:
    """What the intermediary asks; validated by the form or the CSV preview."""

    client_name: str
    client_email: str
    kvk_number: str
    organisation_name: str
    software_package: str
    role: int
    payer: str
    message: str = ""


class LinkUnusable(Exception):
    """The link cannot be used; ``reason`` says why so the page can explain it."""

    def __init__(self, reason: str, request: AuthorisationRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


def _require_sender(*, acting_user: User, environment: Environment) -> None:
    if acting_user.environment_id != environment.pk or acting_user.role < EnvironmentRole.ADVANCED_USER:
        raise PermissionDenied
    plan_require_feature(environment, PlanFeature.AUTHORISATION_REQUESTS)


def _email_link(*, request: AuthorisationRequest, token: str) -> None:
    email_queue(
        to=[request.client_email],
        template="authorisations/email/request",
        context={
            "request": request,
            "requester_environment": request.environment.name,
            "requester_name": request.requested_by.display_name,
            "role": OrganisationRole(request.role).label,
            "intermediary_pays": request.payer == Payer.INTERMEDIARY,
            "link": absolute_url("authorisations:respond", kwargs={"token": token}),
            "expires_at": request.expires_at,
        },
    )


def _new_link(*, request: AuthorisationRequest) -> str:
    token, token_hash = link_token_new()
    AuthorisationLink.objects.filter(request=request, superseded_at__isnull=True).update(
        superseded_at=timezone.now()
    )
    AuthorisationLink.objects.create(request=request, token_hash=token_hash)
    return token


def authorisation_request_send(
    *,
    environment: Environment,
    acting_user: User,
    draft: AuthorisationRequestDraft,
    bulk_upload: BulkUpload | None = None,
) -> AuthorisationRequest:
    """Create a pending request and email its link to the client after commit.

    Refused when this environment already has a pending request for the same KvK number.
    """
    _require_sender(acting_user=acting_user, environment=environment)
    now = timezone.now()
    try:
        with transaction.atomic():
            request = AuthorisationRequest.objects.create(
                environment=environment,
                requested_by=acting_user,
                client_name=draft.client_name.strip(),
                client_email=draft.client_email.strip().lower(),
                kvk_number=draft.kvk_number,
                organisation_name=draft.organisation_name.strip(),
                software_package=draft.software_package,
                role=draft.role,
                payer=draft.payer,
                message=draft.message.strip(),
                created_at=now,
                sent_at=now,
                expires_at=now + settings.AUTHORISATION_REQUEST_VALID_FOR,
                bulk_upload=bulk_upload,
            )
            token = _new_link(request=request)
            audit_record(
                actor=acting_user,
                action="authorisation_request.sent",
                environment=environment,
                target=request,
                data={
                    "client": request.client_name,
                    "kvk": request.kvk_number,
                    "email": request.client_email,
                },
            )
            _email_link(request=request, token=token)
    except IntegrityError as error:
        raise ValidationError(
            {"kvk_number": _("A request to this KvK number is already pending. Resend or withdraw that one.")}
        ) from error
    return request


def _lock(request: AuthorisationRequest) -> AuthorisationRequest:
    return (
        AuthorisationRequest.objects.select_for_update()
        .select_related("environment", "requested_by")
        .get(pk=request.pk)
    )


def authorisation_request_withdraw(
    *, request: AuthorisationRequest, acting_user: User
) -> AuthorisationRequest:
    """Withdraw a pending request; its link stops working at once."""
    with transaction.atomic():
        locked = _lock(request)
        if locked.status != AuthorisationRequestStatus.PENDING:
            raise ValidationError(_("Only a pending request can be withdrawn."))
        locked.status = AuthorisationRequestStatus.WITHDRAWN
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "responded_at"])
        AuthorisationLink.objects.filter(request=locked, superseded_at__isnull=True).update(
            superseded_at=timezone.now()
        )
        audit_record(
            actor=acting_user,
            action="authorisation_request.withdrawn",
            environment=locked.environment,
            target=locked,
        )
        return locked


def authorisation_request_resend(*, request: AuthorisationRequest, acting_user: User) -> AuthorisationRequest:
    """Send a pending or expired request again with a new link; the old link stops working."""
    _require_sender(acting_user=acting_user, environment=request.environment)
    with transaction.atomic():
        locked = _lock(request)
        if locked.status not in (AuthorisationRequestStatus.PENDING, AuthorisationRequestStatus.EXPIRED):
            raise ValidationError(_("Only a pending or expired request can be resent."))
        clash = AuthorisationRequest.objects.filter(
            environment=locked.environment,
            kvk_number=locked.kvk_number,
            status=AuthorisationRequestStatus.PENDING,
        ).exclude(pk=locked.pk)
        if clash.exists():
            raise ValidationError(_("Another request to this KvK number is pending."))
        now = timezone.now()
        locked.status = AuthorisationRequestStatus.PENDING
        locked.sent_at = now
        locked.expires_at = now + settings.AUTHORISATION_REQUEST_VALID_FOR
        locked.reminded_at = None
        locked.save(update_fields=["status", "sent_at", "expires_at", "reminded_at"])
        token = _new_link(request=locked)
        audit_record(
            actor=acting_user,
            action="authorisation_request.resent",
            environment=locked.environment,
            target=locked,
        )
        _email_link(request=locked, token=token)
        return locked


def _refuse_unless_answerable(*, link: AuthorisationLink, request: AuthorisationRequest) -> None:
    """Raise LinkUnusable saying why, unless the request is pending, unexpired and this is its
    live link."""
    if request.status == AuthorisationRequestStatus.PENDING and link.superseded_at is not None:
        raise LinkUnusable("superseded", request)
    if request.status != AuthorisationRequestStatus.PENDING:
        raise LinkUnusable(str(request.status), request)
    if request.expires_at <= timezone.now():
        raise LinkUnusable("expired", request)


def authorisation_link_resolve(*, token: str) -> AuthorisationRequest:
    """The request behind a link, or LinkUnusable saying why the link no longer works.

    Read-only: a lapsed pending request is reported as expired without writing (GET pages call
    this; the beat job and the answering transaction do the writing).
    """
    link = (
        AuthorisationLink.objects.select_related("request__environment", "request__requested_by")
        .filter(token_hash=link_token_hash(token))
        .first()
    )
    if link is None:
        raise LinkUnusable("invalid")
    _refuse_unless_answerable(link=link, request=link.request)
    return link.request


def _lock_by_token(token: str) -> AuthorisationRequest:
    """Lock the request behind a live link and check it is still answerable (inside a transaction)."""
    link = AuthorisationLink.objects.filter(token_hash=link_token_hash(token)).first()
    if link is None:
        raise LinkUnusable("invalid")
    request = (
        AuthorisationRequest.objects.select_for_update()
        .select_related("environment", "environment__plan", "requested_by")
        .get(pk=link.request_id)
    )
    _refuse_unless_answerable(link=link, request=request)
    return request


def _require_responder(*, acting_user: User, request: AuthorisationRequest) -> Environment:
    """Advanced users and administrators of the client environment answer; any plan may."""
    refusal = responder_refusal(user=acting_user, request=request)
    if refusal == "own_request":
        raise ValidationError(_("A request cannot be answered from the environment that sent it."))
    if refusal == "not_allowed":
        raise ValidationError(
            _(
                "Only advanced users and administrators of your environment can answer this request: "
                "ask one of them."
            )
        )
    return acting_user.home


def authorisation_request_decline(*, token: str, acting_user: User) -> AuthorisationRequest:
    with transaction.atomic():
        request = _lock_by_token(token)
        client_environment = _require_responder(acting_user=acting_user, request=request)
        request.status = AuthorisationRequestStatus.DECLINED
        request.responded_at = timezone.now()
        request.responded_by = acting_user
        request.client_environment = client_environment
        request.save(update_fields=["status", "responded_at", "responded_by", "client_environment"])
        AuthorisationLink.objects.filter(request=request, superseded_at__isnull=True).update(
            superseded_at=timezone.now()
        )
        audit_record(
            actor=acting_user,
            action="authorisation_request.declined",
            environment=client_environment,
            other_environment=request.environment,
            target=request,
        )
        email_queue(
            to=[
                request.requested_by.email,
                *(user.email for user in environment_contacts(environment_id=request.environment_id)),
            ],
            template="authorisations/email/declined",
            context={
                "request": request,
                "client_environment": client_environment.name,
                "link": absolute_url("authorisations:detail", kwargs={"pk": request.pk}),
            },
        )
        return request


def _software_connection_prepare(
    *, organisation: Organisation, package: str, acting_user: User, delegate: User
) -> SoftwareConnection:
    """The requested package's connection (an existing live one is reused), delegated to the
    requester so they can retrieve its key even when the client granted only the member role."""
    connection = (
        SoftwareConnection.objects.select_for_update()
        .filter(organisation=organisation, package=package)
        .exclude(status=ConnectionStatus.REVOKED)
        .first()
    ) or connection_create(organisation=organisation, acting_user=acting_user, package=package)
    connection.delegated_to = delegate
    connection.save(update_fields=["delegated_to"])
    return connection


def _accept(
    *,
    request: AuthorisationRequest,
    acting_user: User,
    client_environment: Environment,
    organisation: Organisation,
    role: int,
) -> AuthorisationRequest:
    """The accepting transaction's body; the caller holds the lock on ``request``."""
    if organisation.environment_id != client_environment.pk:
        raise ValidationError(_("Choose one of your own organisations."))
    if role not in (OrganisationRole.MEMBER, OrganisationRole.ADMINISTRATOR) or role > request.role:
        raise ValidationError(_("You can grant the role that was asked for or a lower one."))
    partnership, _created = partnership_establish(
        environment=client_environment,
        other_environment=request.environment,
        origin=PartnershipOrigin.AUTHORISATION_REQUEST,
        acting_user=acting_user,
    )
    requester = request.requested_by
    current_role = (
        OrganisationMembership.objects.filter(organisation=organisation, user=requester)
        .values_list("role", flat=True)
        .first()
    )
    # Accepting gives the requester at least the granted role; it never takes away a higher role
    # they already hold (the client lowers that on the Members page if it wants to).
    if current_role is None or current_role < role:
        membership_grant(organisation=organisation, user=requester, role=role, acting_user=acting_user)
    _software_connection_prepare(
        organisation=organisation,
        package=request.software_package,
        acting_user=acting_user,
        delegate=requester,
    )
    if request.payer == Payer.INTERMEDIARY:
        cost_allocation_assign(
            organisation=organisation,
            payer=request.environment,
            partnership=partnership,
            acting_user=acting_user,
        )
    now = timezone.now()
    request.status = AuthorisationRequestStatus.ACCEPTED
    request.responded_at = now
    request.responded_by = acting_user
    request.client_environment = client_environment
    request.organisation = organisation
    request.granted_role = role
    request.partnership = partnership
    request.save()
    AuthorisationLink.objects.filter(request=request, superseded_at__isnull=True).update(superseded_at=now)
    audit_record(
        actor=acting_user,
        action="authorisation_request.accepted",
        environment=client_environment,
        other_environment=request.environment,
        organisation=organisation,
        target=request,
        data={
            "role": OrganisationRole(role).label,
            "payer": request.payer,
            "software": request.software_package,
        },
    )
    email_queue(
        to=[
            requester.email,
            *(
                user.email
                for user in partnership_side_contacts(
                    partnership=partnership, environment_id=request.environment_id
                )
            ),
        ],
        template="authorisations/email/accepted",
        context={
            "request": request,
            "client_environment": client_environment.name,
            "organisation": organisation.name,
            "role": OrganisationRole(role).label,
            "link": absolute_url("environments:organisation_detail", kwargs={"pk": organisation.pk}),
        },
    )
    return request


def authorisation_request_accept(
    *, token: str, acting_user: User, organisation_id: int | None, role: int
) -> AuthorisationRequest:
    """Accept as a signed-in client: in one transaction the partnership (created or the active
    one reused), the requester's membership with ``role``, the software connection prepared, the
    cost allocation when the intermediary pays, audit events and emails after commit.

    ``organisation_id`` None creates the organisation from the request's KvK number and name.
    Accepting gives a partner access to an organisation, so it follows the rules for that: the
    organisation must be one the user administers (administrators of the environment administer
    all), and only administrators of the environment create a new one.
    """
    with transaction.atomic():
        request = _lock_by_token(token)
        client_environment = _require_responder(acting_user=acting_user, request=request)
        if organisation_id is None:
            if not acting_user.is_environment_administrator:
                raise ValidationError(
                    _("Only administrators of your environment can create an organisation: ask one of them.")
                )
            organisation = organisation_create(
                environment=client_environment,
                acting_user=acting_user,
                name=request.organisation_name,
                kvk_number=request.kvk_number,
            )
        else:
            chosen = organisations_administered_by(user=acting_user).filter(pk=organisation_id).first()
            if chosen is None:
                raise ValidationError(_("Choose one of the organisations you administer."))
            organisation = chosen
        return _accept(
            request=request,
            acting_user=acting_user,
            client_environment=client_environment,
            organisation=organisation,
            role=role,
        )


def authorisation_request_accept_with_signup(
    *, token: str, first_name: str, last_name: str, password: str, company_name: str, role: int
) -> tuple[AuthorisationRequest, User]:
    """A client without an account signs up from the link and accepts, in one transaction.

    The link proves the email address, so it is stored verified (no second verification email).
    The client gets a new environment on the free plan, with themself as administrator, and the
    organisation from the request's KvK number and name.
    """
    with transaction.atomic():
        request = _lock_by_token(token)
        email = request.client_email
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this email address exists already: sign in to answer."))
        environment = environment_create(
            name=company_name or request.client_name, kvk_number=request.kvk_number
        )
        user = User(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            environment=environment,
            role=EnvironmentRole.ADMINISTRATOR,
        )
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        audit_record(actor=user, action="environment.created", environment=environment, target=environment)
        organisation = organisation_create(
            environment=environment,
            acting_user=user,
            name=request.organisation_name,
            kvk_number=request.kvk_number,
        )
        accepted = _accept(
            request=request,
            acting_user=user,
            client_environment=environment,
            organisation=organisation,
            role=role,
        )
        return accepted, user


def authorisation_requests_expire(*, now: datetime | None = None) -> int:
    """Mark every lapsed pending request expired in one statement and tell each requester once.

    Idempotent: a second run finds nothing pending and lapsed.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        lapsed = list(
            AuthorisationRequest.objects.select_for_update(skip_locked=True)
            .filter(status=AuthorisationRequestStatus.PENDING, expires_at__lte=moment)
            .select_related("requested_by", "environment")
        )
        if not lapsed:
            return 0
        AuthorisationRequest.objects.filter(pk__in=[r.pk for r in lapsed]).update(
            status=AuthorisationRequestStatus.EXPIRED
        )
        audit_record_many(
            [
                audit_event_build(
                    actor=None, action="authorisation_request.expired", environment=r.environment, target=r
                )
                for r in lapsed
            ]
        )
        by_requester: dict[int, list[AuthorisationRequest]] = {}
        for request in lapsed:
            by_requester.setdefault(request.requested_by_id, []).append(request)
        for requests in by_requester.values():
            email_queue(
                to=[requests[0].requested_by.email],
                template="authorisations/email/expired",
                context={
                    "requests": requests[:50],
                    "more": max(0, len(requests) - 50),
                    "link": absolute_url("authorisations:list") + "?status=expired",
                },
            )
        return len(lapsed)


def authorisation_requests_remind(*, now: datetime | None = None) -> int:
    """Remind clients once, 3 days (a setting) before their pending request expires.

    The reminder carries a fresh link (we never keep tokens, so the old one cannot be repeated);
    the previous link is superseded. Idempotent through ``reminded_at``.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        due = list(
            AuthorisationRequest.objects.select_for_update(skip_locked=True)
            .filter(
                status=AuthorisationRequestStatus.PENDING,
                reminded_at__isnull=True,
                expires_at__gt=moment,
                expires_at__lte=moment + settings.AUTHORISATION_REQUEST_REMIND_BEFORE,
            )
            .select_related("environment", "requested_by")
        )
        for request in due:
            token = _new_link(request=request)
            request.reminded_at = moment
            request.save(update_fields=["reminded_at"])
            email_queue(
                to=[request.client_email],
                template="authorisations/email/reminder",
                context={
                    "request": request,
                    "requester_environment": request.environment.name,
                    "link": absolute_url("authorisations:respond", kwargs={"token": token}),
                    "expires_at": request.expires_at,
                },
            )
        return len(due)
