from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import EnvironmentRole, User
from accounts.permissions import access_environment_user
from audit.models import AuditEvent
from tests.factories import (
    TEST_PASSWORD,
    AdministratorFactory,
    AdvancedUserFactory,
    EnvironmentFactory,
    UserFactory,
    plan,
)
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _url(name: str, user: User) -> str:
    return reverse(f"accounts:{name}", kwargs={"pk": user.pk})


def test_user_list_shows_role_relationship_manager_flag_and_status(admin_user: User, client_for) -> None:
    AdvancedUserFactory(
        environment=admin_user.environment, email="rm@home.test", is_relationship_manager=True
    )
    UserFactory(environment=admin_user.environment, email="gone@home.test", is_active=False)
    UserFactory(email="stranger@elsewhere.test")

    content = client_for(admin_user).get(reverse("accounts:user_list")).content.decode()

    assert "rm@home.test" in content and "Advanced user" in content
    assert "Relationship manager" in content
    assert "gone@home.test" in content and "Deactivated" in content
    assert "stranger@elsewhere.test" not in content


def test_user_list_is_paginated(admin_user: User, client_for) -> None:
    UserFactory.create_batch(30, environment=admin_user.environment)

    response = client_for(admin_user).get(reverse("accounts:user_list"))

    assert len(response.context["page"].object_list) == 25
    assert "Page 1 of 2" in response.content.decode()


def test_user_list_query_count_does_not_grow(admin_user: User, client_for) -> None:
    def grow_to(total: int) -> None:
        missing = total - User.objects.filter(environment=admin_user.environment).count()
        UserFactory.create_batch(missing, environment=admin_user.environment)

    assert_constant_queries(client_for(admin_user), reverse("accounts:user_list"), grow_to=grow_to)


def test_administrator_changes_a_users_role(admin_user: User, basic_user: User, client_for) -> None:
    response = client_for(admin_user).post(
        _url("user_role", basic_user), {"role": EnvironmentRole.ADVANCED_USER}
    )

    assert response.status_code == 302
    basic_user.refresh_from_db()
    assert basic_user.role == EnvironmentRole.ADVANCED_USER
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.actor == admin_user and event.data == {"from": "Basic user", "to": "Advanced user"}


def test_an_unknown_role_is_refused_with_a_message(admin_user: User, basic_user: User, client_for) -> None:
    response = client_for(admin_user).post(_url("user_role", basic_user), {"role": 99}, follow=True)

    basic_user.refresh_from_db()
    assert basic_user.role == EnvironmentRole.BASIC_USER
    assert "Choose basic user, advanced user or administrator." in response.content.decode()


def test_the_last_active_administrator_cannot_be_demoted(admin_user: User, client_for) -> None:
    response = client_for(admin_user).post(
        _url("user_role", admin_user), {"role": EnvironmentRole.BASIC_USER}, follow=True
    )

    admin_user.refresh_from_db()
    assert admin_user.role == EnvironmentRole.ADMINISTRATOR
    assert "at least one active administrator" in response.content.decode()


def test_an_inactive_administrator_does_not_count_as_the_other_administrator(
    admin_user: User, client_for
) -> None:
    AdministratorFactory(environment=admin_user.environment, is_active=False)

    client_for(admin_user).post(_url("user_role", admin_user), {"role": EnvironmentRole.BASIC_USER})

    admin_user.refresh_from_db()
    assert admin_user.role == EnvironmentRole.ADMINISTRATOR


def test_an_administrator_can_step_down_when_another_remains(admin_user: User, client_for) -> None:
    AdministratorFactory(environment=admin_user.environment)

    response = client_for(admin_user).post(
        _url("user_role", admin_user), {"role": EnvironmentRole.ADVANCED_USER}
    )

    admin_user.refresh_from_db()
    assert admin_user.role == EnvironmentRole.ADVANCED_USER
    assert response["Location"] == reverse("dashboard")


def test_an_administrator_cannot_deactivate_themselves(admin_user: User, client_for) -> None:
    other_admin = AdministratorFactory(environment=admin_user.environment)
    client_for(admin_user).post(_url("user_deactivate", other_admin))

    response = client_for(admin_user).post(_url("user_deactivate", admin_user))

    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert "cannot deactivate your own account" in response.content.decode()


def test_the_last_active_administrator_cannot_be_deactivated(admin_user: User) -> None:
    from django.core.exceptions import ValidationError

    from accounts.services import user_deactivate

    colleague = AdministratorFactory(environment=admin_user.environment)
    user_deactivate(user=admin_user, acting_user=colleague)

    with pytest.raises(ValidationError, match="at least one active administrator"):
        user_deactivate(user=colleague, acting_user=admin_user)


def test_deactivation_asks_for_confirmation_first(admin_user: User, basic_user: User, client_for) -> None:
    page = client_for(admin_user).get(_url("user_deactivate", basic_user))

    basic_user.refresh_from_db()
    assert page.status_code == 200
    assert "signed out at once" in page.content.decode()
    assert basic_user.is_active


def test_deactivated_users_session_ends_at_once(admin_user: User, basic_user: User, client_for) -> None:
    their_browser = Client()
    their_browser.post(reverse("account_login"), {"login": basic_user.email, "password": TEST_PASSWORD})
    assert their_browser.get(reverse("dashboard")).status_code == 200

    client_for(admin_user).post(_url("user_deactivate", basic_user))

    response = their_browser.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    basic_user.refresh_from_db()
    assert not basic_user.is_active
    assert AuditEvent.objects.filter(action="user.deactivated").exists()


def test_sessions_from_before_deactivation_stay_ended_after_reactivation(
    admin_user: User, basic_user: User, client_for
) -> None:
    old_browser = Client()
    old_browser.post(reverse("account_login"), {"login": basic_user.email, "password": TEST_PASSWORD})
    admin = client_for(admin_user)
    admin.post(_url("user_deactivate", basic_user))

    admin.post(_url("user_reactivate", basic_user))

    assert old_browser.get(reverse("dashboard")).status_code == 302
    new_browser = Client()
    new_browser.post(reverse("account_login"), {"login": basic_user.email, "password": TEST_PASSWORD})
    assert new_browser.get(reverse("dashboard")).status_code == 200


def test_a_deactivated_user_cannot_sign_in(admin_user: User, basic_user: User, client_for) -> None:
    client_for(admin_user).post(_url("user_deactivate", basic_user))
    browser = Client()

    browser.post(reverse("account_login"), {"login": basic_user.email, "password": TEST_PASSWORD})

    assert browser.get(reverse("dashboard")).status_code == 302


def test_reactivated_user_can_sign_in_again(admin_user: User, client_for) -> None:
    former = UserFactory(environment=admin_user.environment, is_active=False)

    client_for(admin_user).post(_url("user_reactivate", former))

    former.refresh_from_db()
    assert former.is_active
    browser = Client()
    browser.post(reverse("account_login"), {"login": former.email, "password": TEST_PASSWORD})
    assert browser.get(reverse("dashboard")).status_code == 200


def test_reactivation_respects_the_plan_user_limit(client_for) -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))
    admin = AdministratorFactory(environment=environment)
    UserFactory.create_batch(4, environment=environment)
    former = UserFactory(environment=environment, is_active=False)

    response = client_for(admin).post(_url("user_reactivate", former))

    assert response.status_code == 403
    assert "allows at most 5 users" in response.content.decode()
    former.refresh_from_db()
    assert not former.is_active


def test_reactivate_is_post_only(admin_user: User, client_for) -> None:
    former = UserFactory(environment=admin_user.environment, is_active=False)

    response = client_for(admin_user).get(_url("user_reactivate", former))

    assert response.status_code == 405
    former.refresh_from_db()
    assert not former.is_active


def test_advanced_user_can_be_made_relationship_manager(
    admin_user: User, advanced_user: User, client_for
) -> None:
    client_for(admin_user).post(
        _url("user_relationship_manager", advanced_user), {"is_relationship_manager": "on"}
    )

    advanced_user.refresh_from_db()
    assert advanced_user.is_relationship_manager
    assert AuditEvent.objects.filter(action="user.relationship_manager_given").exists()


def test_relationship_manager_role_can_be_taken_away(admin_user: User, client_for) -> None:
    manager = AdvancedUserFactory(environment=admin_user.environment, is_relationship_manager=True)

    client_for(admin_user).post(_url("user_relationship_manager", manager), {})

    manager.refresh_from_db()
    assert not manager.is_relationship_manager


def test_basic_user_cannot_be_relationship_manager(admin_user: User, basic_user: User, client_for) -> None:
    response = client_for(admin_user).post(
        _url("user_relationship_manager", basic_user), {"is_relationship_manager": "on"}, follow=True
    )

    basic_user.refresh_from_db()
    assert not basic_user.is_relationship_manager
    assert "Only advanced users and administrators can be relationship managers." in response.content.decode()


def test_relationship_managers_need_a_plan_that_has_them(client_for) -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))
    admin = AdministratorFactory(environment=environment)

    response = client_for(admin).post(
        _url("user_relationship_manager", admin), {"is_relationship_manager": "on"}
    )

    assert response.status_code == 403
    assert "available from the Basic subscription" in response.content.decode()
    admin.refresh_from_db()
    assert not admin.is_relationship_manager


def test_demoting_to_basic_user_takes_the_relationship_manager_role_away(
    admin_user: User, client_for
) -> None:
    manager = AdvancedUserFactory(environment=admin_user.environment, is_relationship_manager=True)

    client_for(admin_user).post(_url("user_role", manager), {"role": EnvironmentRole.BASIC_USER})

    manager.refresh_from_db()
    assert manager.role == EnvironmentRole.BASIC_USER
    assert not manager.is_relationship_manager


def test_user_detail_of_another_environment_is_404(admin_user: User, client_for) -> None:
    stranger = UserFactory()

    assert client_for(admin_user).get(_url("user_detail", stranger)).status_code == 404
    assert client_for(admin_user).post(_url("user_deactivate", stranger)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_access_environment_user_is_scoped_to_the_administrators_environment(admin_user: User) -> None:
    colleague = UserFactory(environment=admin_user.environment)
    stranger = UserFactory()

    assert access_environment_user(user=admin_user, pk=colleague.pk) == colleague
    with pytest.raises(Http404):
        access_environment_user(user=admin_user, pk=stranger.pk)
    with pytest.raises(Http404):
        access_environment_user(user=admin_user, pk=999_999)


def test_non_administrators_get_403_on_user_management(
    advanced_user: User, basic_user: User, client_for
) -> None:
    client = client_for(advanced_user)

    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(_url("user_detail", basic_user)).status_code == 403
    assert client.post(_url("user_role", advanced_user), {"role": 30}).status_code == 403
    advanced_user.refresh_from_db()
    assert advanced_user.role == EnvironmentRole.ADVANCED_USER
