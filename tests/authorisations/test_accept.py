from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from accounts.models import EnvironmentRole, User
from audit.models import AuditEvent
from authorisations.forms import AcceptForm
from authorisations.models import AuthorisationRequest, AuthorisationRequestStatus
from authorisations.services import (
    LinkUnusable,
    authorisation_request_accept,
    authorisation_request_accept_with_signup,
    authorisation_request_decline,
)
from billing.models import CostAllocation
from connections.models import SoftwareConnection
from environments.models import Organisation, OrganisationMembership, OrganisationRole
from environments.permissions import access_organisation
from environments.services import membership_grant
from partners.models import Partnership, PartnershipOrigin
from tests.authorisations.helpers import send
from tests.factories import (
    AdministratorFactory,
    AdvancedUserFactory,
    EnvironmentFactory,
    OrganisationFactory,
    PartnershipFactory,
    UserFactory,
    plan,
)


@pytest.fixture
def accountant(db):
    return AdvancedUserFactory(environment=EnvironmentFactory(name="Demo Accountants", plan=plan("basic")))


@pytest.fixture
def client_admin(db):
    return AdministratorFactory(
        email="owner@jansen.test", environment=EnvironmentFactory(name="Jansen", plan=plan("invoice-portal"))
    )


@pytest.fixture
def client_organisation(client_admin):
    return OrganisationFactory(
        environment=client_admin.environment, kvk_number="12345678", name="Bakkerij Jansen B.V."
    )


@pytest.mark.django_db
def test_accepting_forms_the_partnership_grants_the_role_prepares_the_connection_and_records_the_payer(
    accountant, client_admin, client_organisation, django_capture_on_commit_callbacks
) -> None:
    _request, token = send(accountant)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = authorisation_request_accept(
            token=token,
            acting_user=client_admin,
            organisation_id=client_organisation.pk,
            role=OrganisationRole.ADMINISTRATOR,
        )

    assert accepted.status == AuthorisationRequestStatus.ACCEPTED
    partnership = Partnership.objects.get()
    assert partnership.is_active and partnership.origin == PartnershipOrigin.AUTHORISATION_REQUEST
    membership = OrganisationMembership.objects.get(user=accountant, organisation=client_organisation)
    assert membership.role == OrganisationRole.ADMINISTRATOR and membership.partnership == partnership
    assert access_organisation(user=accountant, pk=client_organisation.pk, permission="manage_connections")
    assert SoftwareConnection.objects.filter(
        organisation=client_organisation, package="exact_online"
    ).exists()
    allocation = CostAllocation.objects.get(organisation=client_organisation, ended_at__isnull=True)
    assert allocation.payer == accountant.environment and allocation.partnership == partnership
    assert AuditEvent.objects.filter(
        action="authorisation_request.accepted", other_environment=accountant.environment
    ).exists()
    told = Email.objects.filter(subject__contains="accepted your authorisation request")
    assert [accountant.email] in [email.to for email in told]


@pytest.mark.django_db
def test_the_client_may_lower_the_role_to_member(accountant, client_admin, client_organisation) -> None:
    _request, token = send(accountant)

    authorisation_request_accept(
        token=token,
        acting_user=client_admin,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )

    membership = OrganisationMembership.objects.get(user=accountant, organisation=client_organisation)
    assert membership.role == OrganisationRole.MEMBER
    with pytest.raises(Http404):
        access_organisation(user=accountant, pk=client_organisation.pk, permission="manage_connections")


@pytest.mark.django_db
def test_accepting_a_member_request_keeps_a_higher_role_the_requester_already_holds(
    accountant, client_admin, client_organisation
) -> None:
    PartnershipFactory(environments=(accountant.environment, client_admin.environment))
    membership_grant(
        organisation=client_organisation,
        user=accountant,
        role=OrganisationRole.ADMINISTRATOR,
        acting_user=client_admin,
    )
    _request, token = send(accountant, role=OrganisationRole.MEMBER)

    authorisation_request_accept(
        token=token,
        acting_user=client_admin,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )

    membership = OrganisationMembership.objects.get(user=accountant, organisation=client_organisation)
    assert membership.role == OrganisationRole.ADMINISTRATOR
    assert access_organisation(user=accountant, pk=client_organisation.pk, permission="manage_connections")


@pytest.mark.django_db
def test_the_client_cannot_grant_more_than_was_asked(accountant, client_admin, client_organisation) -> None:
    _request, token = send(accountant, role=OrganisationRole.MEMBER)

    with pytest.raises(ValidationError, match="lower one"):
        authorisation_request_accept(
            token=token,
            acting_user=client_admin,
            organisation_id=client_organisation.pk,
            role=OrganisationRole.ADMINISTRATOR,
        )
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_the_organisation_with_the_requested_kvk_is_preselected(
    accountant, client_admin, client_organisation
) -> None:
    other = OrganisationFactory(environment=client_admin.environment, kvk_number="99999999")
    request, _token = send(accountant)

    form = AcceptForm(request=request, organisations=[other, client_organisation], may_create=True)

    assert form.fields["organisation"].initial == str(client_organisation.pk)


@pytest.mark.django_db
def test_accepting_reuses_an_active_partnership(accountant, client_admin, client_organisation) -> None:
    existing = PartnershipFactory(environments=(accountant.environment, client_admin.environment))
    _request, token = send(accountant)

    accepted = authorisation_request_accept(
        token=token,
        acting_user=client_admin,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )

    assert accepted.partnership == existing
    assert Partnership.objects.count() == 1


@pytest.mark.django_db
def test_basic_users_of_the_client_cannot_accept(accountant, client_admin, client_organisation) -> None:
    basic = UserFactory(environment=client_admin.environment)
    _request, token = send(accountant)

    with pytest.raises(ValidationError, match="advanced users and administrators"):
        authorisation_request_accept(
            token=token,
            acting_user=basic,
            organisation_id=client_organisation.pk,
            role=OrganisationRole.MEMBER,
        )


@pytest.mark.django_db
def test_the_requesting_environment_cannot_accept_its_own_request(accountant) -> None:
    colleague = AdministratorFactory(environment=accountant.environment)
    _request, token = send(accountant)

    with pytest.raises(ValidationError, match="environment that sent it"):
        authorisation_request_accept(
            token=token, acting_user=colleague, organisation_id=None, role=OrganisationRole.MEMBER
        )


@pytest.mark.django_db
def test_accepting_can_create_the_organisation_from_the_request(accountant, client_admin) -> None:
    _request, token = send(accountant)

    accepted = authorisation_request_accept(
        token=token, acting_user=client_admin, organisation_id=None, role=OrganisationRole.MEMBER
    )

    organisation = Organisation.objects.get(pk=accepted.organisation_id)
    assert organisation.environment == client_admin.environment
    assert (organisation.kvk_number, organisation.name) == ("12345678", "Bakkerij Jansen B.V.")


@pytest.mark.django_db
def test_an_organisation_of_another_environment_cannot_be_chosen(accountant, client_admin) -> None:
    foreign = OrganisationFactory()
    _request, token = send(accountant)

    with pytest.raises(ValidationError, match="organisations you administer"):
        authorisation_request_accept(
            token=token, acting_user=client_admin, organisation_id=foreign.pk, role=OrganisationRole.MEMBER
        )


@pytest.mark.django_db
def test_signing_up_from_the_link_creates_a_free_environment_and_accepts(accountant) -> None:
    _request, token = send(accountant)

    accepted, user = authorisation_request_accept_with_signup(
        token=token,
        first_name="Jan",
        last_name="Jansen",
        password="a-long-secret-2026",
        company_name="Jansen",
        role=OrganisationRole.MEMBER,
    )

    assert user.email == "owner@jansen.test" and user.role == EnvironmentRole.ADMINISTRATOR
    assert user.environment.plan.code == "invoice-portal"
    assert EmailAddress.objects.get(user=user).verified
    assert accepted.organisation.environment == user.environment
    assert accepted.organisation.kvk_number == "12345678"
    assert OrganisationMembership.objects.get(user=accountant).role == OrganisationRole.MEMBER


@pytest.mark.django_db
def test_signing_up_from_the_link_logs_in_without_a_second_verification_email(accountant, client) -> None:
    _request, token = send(accountant)
    emails_before = Email.objects.count()

    response = client.post(
        reverse("authorisations:respond_signup", kwargs={"token": token}),
        {
            "first_name": "Jan",
            "last_name": "Jansen",
            "company_name": "Jansen",
            "password1": "a-long-secret-2026",
            "password2": "a-long-secret-2026",
            "role": "10",
        },
    )

    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    new_subjects = list(Email.objects.order_by("id")[emails_before:].values_list("subject", flat=True))
    assert not any("onfirm" in subject for subject in new_subjects), new_subjects


@pytest.mark.django_db
def test_the_accept_page_checks_expiry_itself_even_before_the_job_runs(
    accountant, client_admin, client_organisation
) -> None:
    _request, token = send(accountant)

    with time_machine.travel(timezone.now() + timedelta(days=15)), pytest.raises(LinkUnusable) as unusable:
        authorisation_request_accept(
            token=token,
            acting_user=client_admin,
            organisation_id=client_organisation.pk,
            role=OrganisationRole.MEMBER,
        )

    assert unusable.value.reason == "expired"
    assert not Partnership.objects.exists()
    assert not OrganisationMembership.objects.filter(user=accountant).exists()


@pytest.mark.django_db
def test_declining_tells_the_requester(accountant, client_admin, django_capture_on_commit_callbacks) -> None:
    request, token = send(accountant)

    with django_capture_on_commit_callbacks(execute=True):
        authorisation_request_decline(token=token, acting_user=client_admin)

    request.refresh_from_db()
    assert request.status == AuthorisationRequestStatus.DECLINED
    assert any(accountant.email in email.to for email in Email.objects.filter(subject__contains="declined"))
    assert not Partnership.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_give_one_partnership_one_membership_one_allocation(
    accountant, client_admin, client_organisation
) -> None:
    colleague = AdministratorFactory(environment=client_admin.environment)
    _request, token = send(accountant)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(user: User) -> None:
        barrier.wait()
        try:
            authorisation_request_accept(
                token=token,
                acting_user=user,
                organisation_id=client_organisation.pk,
                role=OrganisationRole.MEMBER,
            )
            outcomes.append("won")
        except LinkUnusable as unusable:
            outcomes.append(f"refused: {unusable.reason}")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(user,)) for user in (client_admin, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused: accepted", "won"]
    assert Partnership.objects.count() == 1
    assert OrganisationMembership.objects.filter(user=accountant).count() == 1
    assert CostAllocation.objects.count() == 1
    assert AuthorisationRequest.objects.get().status == AuthorisationRequestStatus.ACCEPTED


@pytest.mark.django_db
def test_a_member_requester_can_retrieve_the_key_of_the_connection_prepared_for_them(
    accountant, client_admin, client_organisation, client_for
) -> None:
    _request, token = send(accountant)
    authorisation_request_accept(
        token=token,
        acting_user=client_admin,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )
    connection = SoftwareConnection.objects.get(organisation=client_organisation)
    browser = client_for(accountant)

    clients = browser.get(reverse("documents:client_list"))
    issued = browser.post(reverse("connections:connection_key_issue", kwargs={"pk": connection.pk}))
    revoke = browser.get(reverse("connections:connection_revoke", kwargs={"pk": connection.pk}))

    assert reverse("connections:connection_detail", kwargs={"pk": connection.pk}).encode() in clients.content
    assert issued.status_code == 200 and issued.context["issued"].secret
    assert revoke.status_code == 404


@pytest.mark.django_db
def test_another_member_of_the_client_organisation_cannot_reach_the_delegated_connection(
    accountant, client_admin, client_organisation, client_for
) -> None:
    _request, token = send(accountant)
    authorisation_request_accept(
        token=token,
        acting_user=client_admin,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )
    colleague = AdvancedUserFactory(environment=accountant.environment)
    connection = SoftwareConnection.objects.get(organisation=client_organisation)

    response = client_for(colleague).get(
        reverse("connections:connection_detail", kwargs={"pk": connection.pk})
    )

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_delegate_loses_the_connection_when_the_partnership_ends(
    accountant, client_admin, client_organisation, client_for
) -> None:
    from partners.services import partnership_end

    _request, token = send(accountant)
    accepted = authorisation_request_accept(
        token=token,
        acting_user=client_admin,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )
    connection = SoftwareConnection.objects.get(organisation=client_organisation)
    browser = client_for(accountant)
    browser.post(reverse("connections:connection_key_issue", kwargs={"pk": connection.pk}))

    partnership_end(partnership=accepted.partnership, acting_user=client_admin)

    response = browser.get(reverse("connections:connection_detail", kwargs={"pk": connection.pk}))
    assert response.status_code == 404
    assert not connection.keys.filter(revoked_at__isnull=True).exists()
    assert not CostAllocation.objects.filter(ended_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_advanced_user_can_only_open_organisations_they_administer(
    accountant, client_admin, client_organisation
) -> None:
    advanced = AdvancedUserFactory(environment=client_admin.environment)
    _request, token = send(accountant)

    with pytest.raises(ValidationError, match="organisations you administer"):
        authorisation_request_accept(
            token=token,
            acting_user=advanced,
            organisation_id=client_organisation.pk,
            role=OrganisationRole.MEMBER,
        )
    with pytest.raises(ValidationError, match="Only administrators of your environment can create"):
        authorisation_request_accept(
            token=token, acting_user=advanced, organisation_id=None, role=OrganisationRole.MEMBER
        )
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_an_advanced_user_who_administers_the_organisation_can_accept(
    accountant, client_admin, client_organisation
) -> None:
    from environments.services import membership_grant

    advanced = AdvancedUserFactory(environment=client_admin.environment)
    membership_grant(
        organisation=client_organisation,
        user=advanced,
        role=OrganisationRole.ADMINISTRATOR,
        acting_user=client_admin,
    )
    _request, token = send(accountant)

    accepted = authorisation_request_accept(
        token=token,
        acting_user=advanced,
        organisation_id=client_organisation.pk,
        role=OrganisationRole.MEMBER,
    )

    assert accepted.organisation == client_organisation
