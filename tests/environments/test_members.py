from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from environments.models import OrganisationMembership, OrganisationRole, OrganisationUserObjectPermission
from environments.permissions import OrganisationPermissions
from tests.actors import World, grant
from tests.factories import AdvancedUserFactory, OrganisationFactory, UserFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _members_url(organisation) -> str:  # type: ignore[no-untyped-def]
    return reverse("environments:organisation_members", kwargs={"pk": organisation.pk})


def _perms(user: User, organisation) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        OrganisationUserObjectPermission.objects.filter(user=user, content_object=organisation).values_list(
            "permission__codename", flat=True
        )
    )


def test_administrator_adds_a_member_with_guardian_permissions(
    admin_user: User, basic_user: User, client_for
) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment)

    client_for(admin_user).post(
        reverse("environments:organisation_member_add", kwargs={"pk": organisation.pk}),
        {"user": basic_user.pk, "role": OrganisationRole.MEMBER},
    )

    membership = OrganisationMembership.objects.get(user=basic_user, organisation=organisation)
    assert membership.role == OrganisationRole.MEMBER
    assert membership.granted_by == admin_user
    assert _perms(basic_user, organisation) == {"view_organisation", "manage_documents"}


def test_changing_the_role_changes_the_permissions(admin_user: User, basic_user: User, client_for) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment)
    membership = grant(organisation, basic_user, OrganisationRole.MEMBER)

    client_for(admin_user).post(
        reverse(
            "environments:organisation_member_change",
            kwargs={"pk": organisation.pk, "membership_pk": membership.pk},
        ),
        {"role": OrganisationRole.ADMINISTRATOR},
    )

    membership.refresh_from_db()
    assert membership.role == OrganisationRole.ADMINISTRATOR
    assert "manage_members" in _perms(basic_user, organisation)


def test_removing_asks_for_confirmation_then_removes_access(
    admin_user: User, basic_user: User, client_for
) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment)
    membership = grant(organisation, basic_user)
    url = reverse(
        "environments:organisation_member_remove",
        kwargs={"pk": organisation.pk, "membership_pk": membership.pk},
    )
    client = client_for(admin_user)

    assert client.get(url).status_code == 200
    assert OrganisationMembership.objects.filter(pk=membership.pk).exists()

    client.post(url)

    assert not OrganisationMembership.objects.filter(pk=membership.pk).exists()
    assert _perms(basic_user, organisation) == set()
    detail = reverse("environments:organisation_detail", kwargs={"pk": organisation.pk})
    assert client_for(basic_user).get(detail).status_code == 404


def test_organisation_administrators_manage_members(world: World, client_for) -> None:
    newcomer = UserFactory(environment=world.env)
    client = client_for(world["org_admin"])

    page = client.get(_members_url(world.org))
    client.post(
        reverse("environments:organisation_member_add", kwargs={"pk": world.org.pk}),
        {"user": newcomer.pk, "role": OrganisationRole.MEMBER},
    )

    assert page.context["can_manage"]
    assert OrganisationMembership.objects.filter(user=newcomer, organisation=world.org).exists()


def test_organisation_members_see_members_but_cannot_manage_them(world: World, client_for) -> None:
    newcomer = UserFactory(environment=world.env)
    client = client_for(world["org_member"])

    page = client.get(_members_url(world.org))
    add = client.post(
        reverse("environments:organisation_member_add", kwargs={"pk": world.org.pk}),
        {"user": newcomer.pk, "role": OrganisationRole.MEMBER},
    )

    assert page.status_code == 200 and not page.context["can_manage"]
    assert "Add a member" not in page.content.decode()
    assert add.status_code == 404
    assert not OrganisationMembership.objects.filter(user=newcomer).exists()


def test_users_of_another_environment_cannot_be_added_without_a_partnership(
    admin_user: User, client_for
) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment)
    stranger = AdvancedUserFactory()

    response = client_for(admin_user).post(
        reverse("environments:organisation_member_add", kwargs={"pk": organisation.pk}),
        {"user": stranger.pk, "role": OrganisationRole.MEMBER},
        follow=True,
    )

    assert "Choose a user and a role." in response.content.decode()
    assert not OrganisationMembership.objects.filter(user=stranger).exists()


def test_members_page_lists_candidates_of_the_environment(admin_user: User, client_for) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment)
    UserFactory(environment=admin_user.environment, email="candidate@home.test")
    UserFactory(email="stranger@elsewhere.test")

    content = client_for(admin_user).get(_members_url(organisation)).content.decode()

    assert "candidate@home.test" in content
    assert "stranger@elsewhere.test" not in content


def test_permission_checker_is_prefetched_once_for_many_organisations(
    basic_user: User, django_assert_max_num_queries
) -> None:
    organisations = OrganisationFactory.create_batch(5, environment=basic_user.environment)
    for organisation in organisations[:3]:
        grant(organisation, basic_user)

    with django_assert_max_num_queries(3):
        permissions = OrganisationPermissions(user=basic_user, organisations=organisations)
        granted = [permissions.has("view_organisation", organisation) for organisation in organisations]

    assert granted == [True, True, True, False, False]


def test_members_page_query_count_does_not_grow(admin_user: User, client_for) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment)

    def grow_to(total: int) -> None:
        while organisation.memberships.count() < total:
            grant(organisation, UserFactory(environment=admin_user.environment))
        UserFactory(environment=admin_user.environment)  # a candidate, so the add form shows

    assert_constant_queries(client_for(admin_user), _members_url(organisation), grow_to=grow_to)
