from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import user_change_role
from audit.models import AuditEvent
from audit.services import audit_record
from environments.services import organisation_create
from tests.factories import EnvironmentFactory, UserFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

URL = reverse("audit:event_list")


def test_audit_log_shows_the_environments_events_with_actor_action_target_and_time(
    admin_user: User, basic_user: User, client_for
) -> None:
    user_change_role(user=basic_user, role=20, acting_user=admin_user)

    content = client_for(admin_user).get(URL).content.decode()

    assert admin_user.email in content
    assert "User role changed" in content
    assert str(basic_user) in content
    assert "Basic user" in content and "Advanced user" in content
    assert "<time" in content


def test_audit_log_includes_events_where_the_environment_is_the_other_side(
    admin_user: User, client_for
) -> None:
    partner = EnvironmentFactory(name="Partner firm")
    audit_record(
        actor=None,
        action="partnership.ended",
        environment=partner,
        other_environment=admin_user.environment,
        target=partner,
    )

    content = client_for(admin_user).get(URL).content.decode()

    assert "Partnership ended" in content
    assert "Partner firm" in content


def test_audit_log_excludes_other_environments_events(admin_user: User, client_for) -> None:
    stranger = UserFactory(role=30)
    organisation_create(
        environment=stranger.environment, acting_user=stranger, name="Secret B.V.", kvk_number="99999999"
    )

    content = client_for(admin_user).get(URL).content.decode()

    assert "Secret B.V." not in content


def test_audit_log_is_newest_first(admin_user: User, client_for) -> None:
    environment = admin_user.environment
    old = audit_record(actor=admin_user, action="test.old", environment=environment, target=environment)
    AuditEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timedelta(days=1))
    new = audit_record(actor=admin_user, action="test.new", environment=environment, target=environment)

    events = list(client_for(admin_user).get(URL).context["page"].object_list)

    assert events.index(new) < events.index(old)


def test_audit_log_filters_by_action(admin_user: User, basic_user: User, client_for) -> None:
    user_change_role(user=basic_user, role=20, acting_user=admin_user)
    organisation_create(
        environment=admin_user.environment,
        acting_user=admin_user,
        name="Filtered B.V.",
        kvk_number="12121212",
    )

    response = client_for(admin_user).get(URL, {"action": "organisation.created"})

    actions = {event.action for event in response.context["page"].object_list}
    assert actions == {"organisation.created"}
    assert '<option value="user.role_changed">' in response.content.decode()


def test_an_unknown_action_filter_shows_everything(admin_user: User, basic_user: User, client_for) -> None:
    user_change_role(user=basic_user, role=20, acting_user=admin_user)

    response = client_for(admin_user).get(URL, {"action": "<script>"})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_audit_log_is_for_administrators_only(basic_user: User, client_for) -> None:
    assert client_for(basic_user).get(URL).status_code == 403


def test_audit_log_query_count_does_not_grow(admin_user: User, client_for) -> None:
    environment = admin_user.environment
    partner = EnvironmentFactory()

    def grow_to(total: int) -> None:
        while AuditEvent.objects.filter(environment=environment).count() < total // 2:
            actor = UserFactory(environment=environment)
            audit_record(actor=actor, action="test.own", environment=environment, target=actor)
        while AuditEvent.objects.filter(other_environment=environment).count() < total // 2:
            audit_record(
                actor=None,
                action="test.partner",
                environment=EnvironmentFactory(),
                other_environment=environment,
                target=partner,
            )

    assert_constant_queries(client_for(admin_user), URL, grow_to=grow_to, sizes=(4, 80))
