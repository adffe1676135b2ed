from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_administrator_renames_the_environment_and_opts_out_of_the_directory(
    admin_user: User, client_for
) -> None:
    response = client_for(admin_user).post(
        reverse("environments:environment_settings"), {"name": "  Jansen & Co  "}
    )

    assert response.status_code == 302
    environment = admin_user.environment
    environment.refresh_from_db()
    assert environment.name == "Jansen & Co"
    assert not environment.listed_in_directory
    event = AuditEvent.objects.get(action="environment.settings_changed")
    assert event.data == {"name": "Jansen & Co", "listed_in_directory": False}


def test_opting_back_in_to_the_directory(admin_user: User, client_for) -> None:
    environment = admin_user.environment
    environment.listed_in_directory = False
    environment.save()

    client_for(admin_user).post(
        reverse("environments:environment_settings"), {"name": environment.name, "listed_in_directory": "on"}
    )

    environment.refresh_from_db()
    assert environment.listed_in_directory


def test_an_empty_name_is_a_form_error(admin_user: User, client_for) -> None:
    response = client_for(admin_user).post(reverse("environments:environment_settings"), {"name": "   "})

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    admin_user.environment.refresh_from_db()
    assert admin_user.environment.name.strip()


def test_saving_without_changes_writes_no_audit_event(admin_user: User, client_for) -> None:
    environment = admin_user.environment

    client_for(admin_user).post(
        reverse("environments:environment_settings"), {"name": environment.name, "listed_in_directory": "on"}
    )

    assert not AuditEvent.objects.filter(action="environment.settings_changed").exists()


def test_settings_page_shows_the_current_values(admin_user: User, client_for) -> None:
    content = client_for(admin_user).get(reverse("environments:environment_settings")).content.decode()

    assert f'value="{admin_user.environment.name}"' in content
    assert 'name="listed_in_directory"' in content and "checked" in content
