from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from environments.models import Organisation, OrganisationRole
from tests.actors import grant
from tests.factories import AdministratorFactory, EnvironmentFactory, OrganisationFactory, UserFactory, plan
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

CREATE = {"name": "Bakkerij Jansen B.V.", "kvk_number": "87654321", "vat_number": "", "peppol_id": ""}


def _create(client, **changes: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("environments:organisation_create"), {**CREATE, **changes})


def test_administrator_creates_an_organisation_with_the_default_peppol_id(
    admin_user: User, client_for
) -> None:
    response = _create(client_for(admin_user))

    organisation = Organisation.objects.get(kvk_number="87654321")
    assert response["Location"] == reverse("environments:organisation_detail", kwargs={"pk": organisation.pk})
    assert organisation.environment == admin_user.environment
    assert organisation.name == "Bakkerij Jansen B.V."
    assert organisation.peppol_id == "0106:87654321"
    assert AuditEvent.objects.filter(action="organisation.created", organisation=organisation).exists()


def test_an_explicit_peppol_id_is_kept(admin_user: User, client_for) -> None:
    _create(client_for(admin_user), peppol_id="9944:NL123456789B01")

    assert Organisation.objects.get(kvk_number="87654321").peppol_id == "9944:NL123456789B01"


def test_a_valid_vat_number_is_stored_in_its_compact_form(admin_user: User, client_for) -> None:
    _create(client_for(admin_user), vat_number="NL 0041.88.007.B01")

    assert Organisation.objects.get(kvk_number="87654321").vat_number == "NL004188007B01"


def test_an_invalid_vat_number_is_a_form_error(admin_user: User, client_for) -> None:
    response = _create(client_for(admin_user), vat_number="NL123456789B99")

    assert response.status_code == 200
    assert "not a valid EU VAT number" in response.content.decode()
    assert not Organisation.objects.filter(kvk_number="87654321").exists()


@pytest.mark.parametrize("kvk_number", ["1234567", "123456789", "1234567a", ""])
def test_kvk_number_must_have_8_digits(admin_user: User, client_for, kvk_number: str) -> None:
    response = _create(client_for(admin_user), kvk_number=kvk_number)

    assert response.status_code == 200
    assert not Organisation.objects.filter(environment=admin_user.environment).exists()
    assert 'class="error"' in response.content.decode()


def test_a_malformed_peppol_id_is_a_form_error(admin_user: User, client_for) -> None:
    response = _create(client_for(admin_user), peppol_id="not a peppol id")

    assert response.status_code == 200
    assert "looks like 0106:12345678" in response.content.decode()


def test_kvk_number_is_unique_within_the_environment(admin_user: User, client_for) -> None:
    OrganisationFactory(environment=admin_user.environment, kvk_number="87654321")

    response = _create(client_for(admin_user))

    assert response.status_code == 200
    assert "already has an organisation with this KvK number" in response.content.decode()


def test_the_same_kvk_number_may_exist_in_another_environment(admin_user: User, client_for) -> None:
    OrganisationFactory(kvk_number="87654321")

    _create(client_for(admin_user))

    assert Organisation.objects.filter(kvk_number="87654321").count() == 2


def test_the_free_plan_refuses_a_third_organisation_with_the_upgrade_message(client_for) -> None:
    environment = EnvironmentFactory(plan=plan("invoice-portal"))
    admin = AdministratorFactory(environment=environment)
    OrganisationFactory.create_batch(2, environment=environment)

    response = _create(client_for(admin))

    assert response.status_code == 403
    content = response.content.decode()
    assert "Invoice Portal subscription allows at most 2 organisations" in content
    assert "Upgrade your subscription" in content
    assert reverse("environments:subscription") in content
    assert environment.organisations.count() == 2


def test_basic_users_cannot_create_organisations(basic_user: User, client_for) -> None:
    response = _create(client_for(basic_user))

    assert response.status_code == 403
    assert not Organisation.objects.exists()


def test_administrator_edits_an_organisation(admin_user: User, client_for) -> None:
    organisation = OrganisationFactory(environment=admin_user.environment, kvk_number="11111111")

    response = client_for(admin_user).post(
        reverse("environments:organisation_edit", kwargs={"pk": organisation.pk}),
        {"name": "Renamed B.V.", "kvk_number": "22222222", "vat_number": "", "peppol_id": ""},
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Renamed B.V."
    assert organisation.kvk_number == "22222222"
    assert organisation.peppol_id == "0106:22222222"
    assert AuditEvent.objects.get(action="organisation.updated").data == {
        "changed": ["kvk_number", "name", "peppol_id"]
    }


def test_editing_to_a_kvk_number_already_used_is_a_form_error(admin_user: User, client_for) -> None:
    OrganisationFactory(environment=admin_user.environment, kvk_number="11111111")
    organisation = OrganisationFactory(environment=admin_user.environment, kvk_number="22222222")

    response = client_for(admin_user).post(
        reverse("environments:organisation_edit", kwargs={"pk": organisation.pk}),
        {"name": organisation.name, "kvk_number": "11111111", "vat_number": "", "peppol_id": ""},
    )

    assert response.status_code == 200
    assert "already has an organisation with this KvK number" in response.content.decode()


def test_basic_users_see_only_the_organisations_they_are_members_of(basic_user: User, client_for) -> None:
    mine = OrganisationFactory(environment=basic_user.environment, name="Mine B.V.")
    OrganisationFactory(environment=basic_user.environment, name="Not mine B.V.")
    grant(mine, basic_user)

    content = client_for(basic_user).get(reverse("environments:organisation_list")).content.decode()

    assert "Mine B.V." in content
    assert "Not mine B.V." not in content


def test_administrators_see_every_organisation_of_their_environment_only(
    admin_user: User, client_for
) -> None:
    OrganisationFactory(environment=admin_user.environment, name="Ours B.V.")
    OrganisationFactory(name="Theirs B.V.")

    content = client_for(admin_user).get(reverse("environments:organisation_list")).content.decode()

    assert "Ours B.V." in content
    assert "Theirs B.V." not in content


def test_organisation_search_by_name_and_kvk(admin_user: User, client_for) -> None:
    OrganisationFactory(environment=admin_user.environment, name="Alpha B.V.", kvk_number="30000001")
    OrganisationFactory(environment=admin_user.environment, name="Beta B.V.", kvk_number="40000001")
    client = client_for(admin_user)

    by_name = client.get(reverse("environments:organisation_list"), {"q": "alpha"}).content.decode()
    by_kvk = client.get(reverse("environments:organisation_list"), {"q": "4000"}).content.decode()

    assert "Alpha B.V." in by_name and "Beta B.V." not in by_name
    assert "Beta B.V." in by_kvk and "Alpha B.V." not in by_kvk


def test_organisation_list_query_count_does_not_grow_for_an_administrator(
    admin_user: User, client_for
) -> None:
    def grow_to(total: int) -> None:
        missing = total - Organisation.objects.filter(environment=admin_user.environment).count()
        OrganisationFactory.create_batch(missing, environment=admin_user.environment)

    assert_constant_queries(
        client_for(admin_user), reverse("environments:organisation_list"), grow_to=grow_to
    )


def test_organisation_list_query_count_does_not_grow_for_a_member(basic_user: User, client_for) -> None:
    def grow_to(total: int) -> None:
        while basic_user.memberships.count() < total:
            organisation = OrganisationFactory(environment=basic_user.environment)
            grant(organisation, basic_user, OrganisationRole.MEMBER)
            grant(
                organisation, UserFactory(environment=basic_user.environment), OrganisationRole.ADMINISTRATOR
            )

    assert_constant_queries(
        client_for(basic_user), reverse("environments:organisation_list"), grow_to=grow_to
    )
