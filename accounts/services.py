"""Every write about users, their roles and invitations."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EnvironmentRole, Invitation, User
from accounts.tokens import link_token_hash, link_token_new
from audit.services import audit_record
from emails.services import absolute_url, email_queue
from environments.models import Environment
from environments.plans import PlanFeatureUnavailable, plan_require_user_capacity


def user_signup_with_environment(*, user: User, company_name: str, company_kvk_number: str = "") -> User:
    """A self sign-up: a new environment on the default (free) plan with ``user`` as administrator."""
    from environments.services import environment_create

    with transaction.atomic():
        environment = environment_create(name=company_name, kvk_number=company_kvk_number)
        user.environment = environment
        user.role = EnvironmentRole.ADMINISTRATOR
        user.save()
        audit_record(actor=user, action="environment.created", environment=environment, target=environment)
        return user


def _lock_environment_of(user: User) -> None:
    """Serialise changes to the users of one environment: two administrators demoting or
    deactivating each other at the same moment cannot both pass the last-administrator check,
    and always take their locks in the same order (environment, then users), so never deadlock."""
    list(Environment.objects.select_for_update().filter(pk=user.home.pk).values_list("pk", flat=True))


def _lock_administrators(environment_id: int) -> list[User]:
    return list(
        User.objects.select_for_update()
        .filter(environment_id=environment_id, role=EnvironmentRole.ADMINISTRATOR, is_active=True)
        .order_by("pk")
    )


def _refuse_losing_last_administrator(user: User) -> None:
    administrators = _lock_administrators(user.home.pk)
    if [admin.pk for admin in administrators] == [user.pk]:
        raise ValidationError(
            _("An environment needs at least one active administrator: appoint another first.")
        )


def user_change_role(*, user: User, role: int, acting_user: User) -> User:
    """Change the environment role. The last active administrator cannot be demoted; dropping to
    basic user also takes away the relationship-manager role, which needs at least advanced."""
    if role not in EnvironmentRole.values:
        raise ValidationError(_("Choose basic user, advanced user or administrator."))
    with transaction.atomic():
        _lock_environment_of(user)
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.role == role:
            return locked
        if locked.role == EnvironmentRole.ADMINISTRATOR and locked.is_active:
            _refuse_losing_last_administrator(locked)
        previous = locked.role
        locked.role = role
        if role < EnvironmentRole.ADVANCED_USER:
            locked.is_relationship_manager = False
        locked.save(update_fields=["role", "is_relationship_manager"])
        audit_record(
            actor=acting_user,
            action="user.role_changed",
            environment=locked.home,
            target=locked,
            data={"from": EnvironmentRole(previous).label, "to": EnvironmentRole(role).label},
        )
        return locked


def user_set_relationship_manager(*, user: User, is_relationship_manager: bool, acting_user: User) -> User:
    with transaction.atomic():
        locked = (
            User.objects.select_for_update(of=("self",)).select_related("environment__plan").get(pk=user.pk)
        )
        if is_relationship_manager and locked.role < EnvironmentRole.ADVANCED_USER:
            raise ValidationError(_("Only advanced users and administrators can be relationship managers."))
        if (
            is_relationship_manager
            and locked.environment is not None
            and not locked.environment.plan.has_relationship_managers
        ):
            raise PlanFeatureUnavailable(
                _("Relationship managers are available from the Basic subscription: upgrade to use them.")
            )
        locked.is_relationship_manager = is_relationship_manager
        locked.save(update_fields=["is_relationship_manager"])
        audit_record(
            actor=acting_user,
            action="user.relationship_manager_given"
            if is_relationship_manager
            else "user.relationship_manager_taken",
            environment=locked.home,
            target=locked,
        )
        return locked


def user_deactivate(*, user: User, acting_user: User) -> User:
    """Deactivate a user. Django's authentication backends refuse inactive users, so every
    session of theirs is anonymous from the very next request. Nobody deactivates themselves
    (a slip would lock them out), and the last active administrator stays."""
    if user.pk == acting_user.pk:
        raise ValidationError(_("You cannot deactivate your own account: ask another administrator."))
    with transaction.atomic():
        _lock_environment_of(user)
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return locked
        if locked.role == EnvironmentRole.ADMINISTRATOR:
            _refuse_losing_last_administrator(locked)
        locked.is_active = False
        locked.session_generation += 1  # every existing session is invalid, now and after reactivation
        locked.save(update_fields=["is_active", "session_generation"])
        audit_record(actor=acting_user, action="user.deactivated", environment=locked.home, target=locked)
        return locked


def user_reactivate(*, user: User, acting_user: User) -> User:
    """Let a deactivated user sign in again, within the plan's user limit."""
    with transaction.atomic():
        environment = (
            Environment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=user.home.pk)
        )
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            return locked
        plan_require_user_capacity(environment, current_count=_active_user_count(environment))
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit_record(actor=acting_user, action="user.reactivated", environment=locked.home, target=locked)
        return locked


def invitation_create(*, environment: Environment, email: str, acting_user: User) -> Invitation:
    """Invite ``email`` to join as a basic user; the link is emailed after commit.

    A new invitation to the same address replaces the open one (whose link stops working).
    """
    email = email.strip().lower()
    with transaction.atomic():
        locked = (
            Environment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=environment.pk)
        )
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": _("Someone with this email address already has an account.")})
        now = timezone.now()
        # The open invitation to this address is about to be replaced, so it does not count.
        open_invitations = (
            Invitation.objects.filter(
                environment=locked, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
            )
            .exclude(email=email)
            .count()
        )
        plan_require_user_capacity(
            locked, current_count=_active_user_count(locked), open_invitations=open_invitations
        )
        Invitation.objects.filter(
            environment=locked, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        token, token_hash = link_token_new()
        invitation = Invitation.objects.create(
            environment=locked,
            email=email,
            invited_by=acting_user,
            token_hash=token_hash,
            expires_at=now + settings.INVITATION_VALID_FOR,
        )
        audit_record(
            actor=acting_user,
            action="invitation.sent",
            environment=locked,
            target=invitation,
            data={"email": email},
        )
        email_queue(
            to=[email],
            template="accounts/email/invitation",
            context={
                "environment_name": locked.name,
                "inviter_name": acting_user.display_name,
                "link": absolute_url("accounts:invitation", kwargs={"token": token}),
                "expires_at": invitation.expires_at,
            },
        )
        return invitation


def _active_user_count(environment: Environment) -> int:
    return User.objects.filter(environment=environment, is_active=True).count()


def invitation_revoke(*, invitation: Invitation, acting_user: User) -> None:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at or locked.revoked_at:
            return
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user,
            action="invitation.revoked",
            environment=locked.environment,
            target=locked,
            data={"email": locked.email},
        )


class InvitationUnusable(Exception):
    """The link was used, revoked, replaced or has expired; the page says which."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def invitation_for_token(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("environment", "invited_by")
        .filter(token_hash=link_token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable("invalid")
    return invitation


def invitation_accept(*, token: str, first_name: str, last_name: str, password: str) -> User:
    """Create the invited colleague's account as a basic user of the inviting environment.

    The email address is proven by the link, so it is stored as verified. The invitation is
    locked and checked (single use, not revoked, not expired) inside the transaction.
    """
    token_hash = link_token_hash(token)
    with transaction.atomic():
        environment_id = (
            Invitation.objects.filter(token_hash=token_hash).values_list("environment_id", flat=True).first()
        )
        if environment_id is None:
            raise InvitationUnusable("invalid")
        # Environment first, then the invitation: the same order as invitation_create, so the two
        # cannot deadlock, and the user limit holds against concurrent acceptances.
        environment = (
            Environment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=environment_id)
        )
        invitation = Invitation.objects.select_for_update().get(token_hash=token_hash)
        if invitation.status != "pending":
            raise InvitationUnusable(invitation.status)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationUnusable("accepted")
        plan_require_user_capacity(environment, current_count=_active_user_count(environment))
        user = User(
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            environment=invitation.environment,
            role=EnvironmentRole.BASIC_USER,
        )
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        audit_record(
            actor=user,
            action="invitation.accepted",
            environment=invitation.environment,
            target=invitation,
            data={"email": user.email},
        )
        return user
