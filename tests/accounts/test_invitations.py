from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import EnvironmentRole, Invitation, User
from accounts.services import invitation_create
from accounts.tokens import link_token_hash
from audit.models import AuditEvent
from tests.factories import (
    TEST_PASSWORD,
    AdministratorFactory,
    EnvironmentFactory,
    InvitationFactory,
    UserFactory,
    plan,
)
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

ACCEPT = {"first_name": "Bram", "last_name": "Jansen", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}


def _invite(client: Client, capture, email: str = "bram@example.test"):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(reverse("accounts:user_invite"), {"email": email})


def _link_in(message) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"https?://\S+/invitations/\S+/", message.body)
    assert match is not None, message.body
    return match.group(0)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_administrator_invites_a_colleague_by_email(
    admin_user: User, client_for, django_capture_on_commit_callbacks
) -> None:
    response = _invite(client_for(admin_user), django_capture_on_commit_callbacks)

    assert response.status_code == 302
    invitation = Invitation.objects.get(email="bram@example.test")
    assert invitation.environment == admin_user.environment
    assert invitation.invited_by == admin_user
    assert invitation.status == "pending"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bram@example.test"]
    assert admin_user.environment.name in mail.outbox[0].body
    assert "/invitations/" in mail.outbox[0].alternatives[0][0]
    assert AuditEvent.objects.filter(action="invitation.sent", environment=admin_user.environment).exists()


def test_invitation_token_has_at_least_128_bits_and_only_its_hash_is_stored(
    admin_user: User, client_for, django_capture_on_commit_callbacks
) -> None:
    _invite(client_for(admin_user), django_capture_on_commit_callbacks)
    token = _link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[-1]

    invitation = Invitation.objects.get()
    assert len(token) * 6 >= 128  # URL-safe base64: 6 bits per character
    assert invitation.token_hash == link_token_hash(token)
    assert token not in invitation.token_hash
    stored = Invitation.objects.values_list(*[f.attname for f in Invitation._meta.concrete_fields]).get()
    assert all(token not in str(value) for value in stored)


def test_opening_the_invitation_link_changes_nothing(
    admin_user: User, client_for, django_capture_on_commit_callbacks
) -> None:
    _invite(client_for(admin_user), django_capture_on_commit_callbacks)
    link = _path(_link_in(mail.outbox[0]))

    page = Client().get(link)

    assert page.status_code == 200
    assert "Join" in page.content.decode()
    assert Invitation.objects.get().status == "pending"
    assert not User.objects.filter(email="bram@example.test").exists()


def test_accepting_creates_a_basic_user_in_the_same_environment_with_a_verified_email(
    admin_user: User, client_for, django_capture_on_commit_callbacks
) -> None:
    _invite(client_for(admin_user), django_capture_on_commit_callbacks)
    link = _path(_link_in(mail.outbox[0]))
    browser = Client()

    response = browser.post(link, ACCEPT)

    assert response.status_code == 302
    colleague = User.objects.get(email="bram@example.test")
    assert colleague.environment == admin_user.environment
    assert colleague.role == EnvironmentRole.BASIC_USER
    assert colleague.first_name == "Bram"
    assert EmailAddress.objects.get(user=colleague).verified
    assert Invitation.objects.get().status == "accepted"
    assert browser.get(reverse("dashboard")).status_code == 200


def test_a_used_link_shows_the_clear_page(admin_user: User) -> None:
    InvitationFactory(environment=admin_user.environment, token="used-token", email="c@example.test")
    Client().post("/invitations/used-token/", ACCEPT)

    response = Client().get("/invitations/used-token/")

    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_a_revoked_link_shows_the_clear_page(admin_user: User, client_for) -> None:
    invitation = InvitationFactory(environment=admin_user.environment, token="revoked-token")
    client_for(admin_user).post(reverse("accounts:invitation_revoke", kwargs={"pk": invitation.pk}))

    response = Client().post("/invitations/revoked-token/", ACCEPT)

    assert response.status_code == 410
    assert "withdrawn or replaced" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_an_expired_link_shows_the_clear_page(admin_user: User) -> None:
    invitation: Invitation = InvitationFactory(environment=admin_user.environment, token="old-token")

    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        response = Client().post("/invitations/old-token/", ACCEPT)

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_an_unknown_link_shows_the_clear_page() -> None:
    response = Client().get("/invitations/no-such-token/")

    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_reinviting_replaces_the_old_link(
    admin_user: User, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin_user)
    _invite(client, django_capture_on_commit_callbacks)
    first_link = _path(_link_in(mail.outbox[0]))
    first = Invitation.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:invitation_resend", kwargs={"pk": first.pk}))

    second_link = _path(_link_in(mail.outbox[1]))
    assert second_link != first_link
    assert Client().get(first_link).status_code == 410
    assert Client().get(second_link).status_code == 200
    first.refresh_from_db()
    assert first.status == "revoked"


def test_revoking_asks_for_confirmation_first(admin_user: User, client_for) -> None:
    invitation = InvitationFactory(environment=admin_user.environment)
    url = reverse("accounts:invitation_revoke", kwargs={"pk": invitation.pk})
    client = client_for(admin_user)

    confirmation = client.get(url)
    invitation.refresh_from_db()
    assert confirmation.status_code == 200 and invitation.status == "pending"
    assert "will stop working" in confirmation.content.decode()

    client.post(url)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_pending_invitations_are_listed_with_their_expiry(admin_user: User, client_for) -> None:
    pending = InvitationFactory(environment=admin_user.environment, email="pending@example.test")
    InvitationFactory(
        environment=admin_user.environment, email="gone@example.test", revoked_at=timezone.now()
    )
    InvitationFactory(email="foreign@example.test")

    content = client_for(admin_user).get(reverse("accounts:invitation_list")).content.decode()

    assert "pending@example.test" in content
    assert timezone.localtime(pending.expires_at).strftime("%Y") in content
    assert "gone@example.test" not in content
    assert "foreign@example.test" not in content


def test_inviting_someone_who_already_has_an_account_is_a_form_error(admin_user: User, client_for) -> None:
    UserFactory(email="taken@example.test")

    response = client_for(admin_user).post(reverse("accounts:user_invite"), {"email": "taken@example.test"})

    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_with_a_malformed_address_is_a_form_error(admin_user: User, client_for) -> None:
    response = client_for(admin_user).post(reverse("accounts:user_invite"), {"email": "not an address"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_invitations_beyond_the_plan_user_limit_give_the_upgrade_message(client_for) -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))  # at most 5 users
    admin = AdministratorFactory(environment=environment)
    UserFactory.create_batch(2, environment=environment)
    InvitationFactory.create_batch(2, environment=environment, invited_by=admin)

    response = client_for(admin).post(reverse("accounts:user_invite"), {"email": "sixth@example.test"})

    assert response.status_code == 403
    content = response.content.decode()
    assert "allows at most 5 users" in content
    assert "Upgrade your subscription" in content
    assert reverse("environments:subscription") in content


def test_accepting_is_refused_when_the_environment_became_full(client_for) -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))
    admin = AdministratorFactory(environment=environment)
    invitation_create(environment=environment, email="late@example.test", acting_user=admin)
    Invitation.objects.update(token_hash=link_token_hash("late-token"))
    UserFactory.create_batch(4, environment=environment)

    response = Client().post("/invitations/late-token/", ACCEPT)

    assert response.status_code == 403
    assert not User.objects.filter(email="late@example.test").exists()


def test_administrator_cannot_revoke_another_environments_invitation(admin_user: User, client_for) -> None:
    foreign = InvitationFactory()

    response = client_for(admin_user).post(reverse("accounts:invitation_revoke", kwargs={"pk": foreign.pk}))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "pending"


def test_invitation_list_query_count_does_not_grow(admin_user: User, client_for) -> None:
    def grow_to(total: int) -> None:
        missing = total - Invitation.objects.filter(environment=admin_user.environment).count()
        InvitationFactory.create_batch(missing, environment=admin_user.environment, invited_by=admin_user)

    assert_constant_queries(client_for(admin_user), reverse("accounts:invitation_list"), grow_to=grow_to)
