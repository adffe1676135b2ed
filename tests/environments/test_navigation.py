from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SETTINGS_LINKS = [
    reverse("accounts:user_list"),
    reverse("environments:subscription"),
    reverse("environments:environment_settings"),
    reverse("audit:event_list"),
]


def test_administrators_see_the_settings_entries(admin_user: User, client_for) -> None:
    content = client_for(admin_user).get(reverse("dashboard")).content.decode()

    assert "Settings" in content
    for link in SETTINGS_LINKS:
        assert f'href="{link}"' in content


@pytest.mark.parametrize("fixture", ["basic_user", "advanced_user"])
def test_other_users_do_not_see_the_settings_entries(request, client_for, fixture: str) -> None:
    user = request.getfixturevalue(fixture)

    content = client_for(user).get(reverse("dashboard")).content.decode()

    for link in SETTINGS_LINKS:
        assert f'href="{link}"' not in content


def test_the_current_settings_page_is_marked_in_the_navigation(admin_user: User, client_for) -> None:
    content = client_for(admin_user).get(reverse("environments:subscription")).content.decode()

    assert f'href="{reverse("environments:subscription")}" aria-current="page"' in content
