"""Ending a partnership removes every access across it in one transaction and tells both sides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from connections.models import ConnectionKey
from documents.models import Invoice
from environments.models import (
    Organisation,
    OrganisationMembership,
    OrganisationRole,
    OrganisationUserObjectPermission,
)
from partners.models import Partnership, PartnershipStatus, RelationshipRequestStatus
from partners.services import partnership_end, partnership_establish, relationship_manager_connect
from partners.signals import partnership_ended, partnership_ending_preview
from tests.actors import grant
from tests.connections.factories import issued_key
from tests.documents.factories import delivered_invoice, draft_invoice
from tests.factories import AdvancedUserFactory, EnvironmentFactory, PartnershipFactory
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipManagerFactory, RelationshipRequestFactory

CaptureCallbacks = Callable[..., Any]

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


@pytest.fixture
def partnership(pair: Pair) -> Partnership:
    partnership, _created = partnership_establish(
        environment=pair.firm, other_environment=pair.client, origin="relationship_request", acting_user=None
    )
    return partnership


def cross_permissions(pair: Pair) -> int:
    return (
        OrganisationUserObjectPermission.objects.filter(
            content_object__environment__in=[pair.firm, pair.client]
        )
        .exclude(user__environment=pair.firm, content_object__environment=pair.firm)
        .exclude(user__environment=pair.client, content_object__environment=pair.client)
        .count()
    )


def test_ending_removes_memberships_in_both_directions_with_their_permissions(
    pair: Pair, partnership: Partnership
) -> None:
    grant(pair.client_org, pair.firm_advanced, OrganisationRole.ADMINISTRATOR)
    grant(pair.client_org, pair.firm_admin)
    grant(pair.firm_org, pair.client_advanced)
    assert cross_permissions(pair) == 8

    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    assert not OrganisationMembership.objects.filter(partnership=partnership).exists()
    assert cross_permissions(pair) == 0


def test_ending_keeps_memberships_inside_each_environment_and_every_organisation(
    pair: Pair, partnership: Partnership
) -> None:
    own = grant(pair.client_org, pair.client_basic)
    grant(pair.client_org, pair.firm_advanced)
    organisations = set(Organisation.objects.values_list("pk", "name", "kvk_number", "environment_id"))

    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    assert OrganisationMembership.objects.filter(pk=own.pk).exists()
    assert OrganisationUserObjectPermission.objects.filter(user=pair.client_basic).count() == 2
    assert (
        set(Organisation.objects.values_list("pk", "name", "kvk_number", "environment_id")) == organisations
    )


def test_ending_leaves_other_partnerships_alone(pair: Pair, partnership: Partnership) -> None:
    third = EnvironmentFactory()
    other = PartnershipFactory(environments=(pair.client, third))
    outsider = AdvancedUserFactory(environment=third)
    kept = grant(pair.client_org, outsider)

    partnership_end(partnership=partnership, acting_user=pair.firm_admin)

    other.refresh_from_db()
    assert other.is_active and OrganisationMembership.objects.filter(pk=kept.pk).exists()


def test_ending_marks_the_partnership_ended_and_keeps_it_in_the_history(
    pair: Pair, partnership: Partnership
) -> None:
    partnership_end(partnership=partnership, acting_user=pair.firm_advanced)

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    assert partnership.ended_by == pair.firm_advanced and partnership.ended_at is not None


def test_a_new_partnership_can_be_formed_after_ending(pair: Pair, partnership: Partnership) -> None:
    partnership_end(partnership=partnership, acting_user=pair.firm_advanced)

    again, created = partnership_establish(
        environment=pair.client, other_environment=pair.firm, origin="relationship_request", acting_user=None
    )

    assert created and again.pk != partnership.pk


def test_ending_withdraws_pending_requests_between_them_and_closes_manager_links(
    pair: Pair, partnership: Partnership
) -> None:
    request = RelationshipRequestFactory(from_environment=pair.firm, to_environment=pair.client)
    unrelated = RelationshipRequestFactory(from_environment=pair.firm)
    manager = RelationshipManagerFactory(environment=pair.firm)
    link = relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)

    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    request.refresh_from_db()
    unrelated.refresh_from_db()
    link.refresh_from_db()
    assert request.status == RelationshipRequestStatus.WITHDRAWN
    assert unrelated.status == RelationshipRequestStatus.PENDING
    assert link.disconnected_at is not None and link.disconnected_by == pair.client_admin


def test_ending_is_audited_for_both_sides(pair: Pair, partnership: Partnership) -> None:
    grant(pair.client_org, pair.firm_advanced)

    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    ended = AuditEvent.objects.filter(action="partnership.ended")
    assert {event.environment_id for event in ended} == {pair.firm.pk, pair.client.pk}
    assert all(event.data["memberships_removed"] == 1 for event in ended)
    revoked = AuditEvent.objects.get(action="membership.revoked", other_environment=pair.firm)
    assert revoked.data["reason"] == "partnership ended"


def test_both_sides_are_emailed_on_commit_relationship_managers_first(
    pair: Pair,
    partnership: Partnership,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    manager = RelationshipManagerFactory(environment=pair.firm, email="rm@devries.test")
    relationship_manager_connect(partnership=partnership, user=manager, acting_user=pair.firm_admin)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        partnership_end(partnership=partnership, acting_user=pair.client_admin)

    ended = {tuple(message.to): message.subject for message in mail.outbox if "has ended" in message.subject}
    assert ended == {
        ("rm@devries.test",): "The partnership with Bakkerij Jansen has ended",
        ("admin@jansen.test",): "The partnership with Boekhouding De Vries has ended",
    }


def test_ending_twice_does_nothing_more(pair: Pair, partnership: Partnership) -> None:
    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    assert partnership_end(partnership=partnership, acting_user=pair.client_admin) is False
    assert AuditEvent.objects.filter(action="partnership.ended").count() == 2


def test_basic_users_and_outsiders_cannot_end(pair: Pair, partnership: Partnership) -> None:
    for user in (pair.client_basic, AdvancedUserFactory()):
        with pytest.raises(PermissionDenied):
            partnership_end(partnership=partnership, acting_user=user)
    partnership.refresh_from_db()
    assert partnership.is_active


def test_the_ended_signal_runs_inside_the_transaction_after_the_partnership_is_ended(
    pair: Pair, partnership: Partnership
) -> None:
    seen: list[str] = []

    def receiver(sender: object, partnership: Partnership, acting_user: User, **kwargs: object) -> None:
        seen.append(Partnership.objects.get(pk=partnership.pk).status)

    partnership_ended.connect(receiver)
    try:
        partnership_end(partnership=partnership, acting_user=pair.client_admin)
    finally:
        partnership_ended.disconnect(receiver)

    assert seen == [PartnershipStatus.ENDED]


def test_a_failing_receiver_rolls_the_whole_ending_back(pair: Pair, partnership: Partnership) -> None:
    grant(pair.client_org, pair.firm_advanced)

    def receiver(**kwargs: object) -> None:
        raise RuntimeError("connection keys could not be revoked")

    partnership_ended.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            partnership_end(partnership=partnership, acting_user=pair.client_admin)
    finally:
        partnership_ended.disconnect(receiver)

    partnership.refresh_from_db()
    assert partnership.is_active
    assert OrganisationMembership.objects.filter(user=pair.firm_advanced).exists()


def test_confirmation_page_lists_what_will_stop_including_other_apps_items(
    client_for: ClientFor, pair: Pair, partnership: Partnership
) -> None:
    grant(pair.client_org, pair.firm_advanced)
    RelationshipRequestFactory(from_environment=pair.client, to_environment=pair.firm)

    def receiver(**kwargs: object) -> list[tuple[str, int]]:
        return [("connection keys issued under it", 3)]

    partnership_ending_preview.connect(receiver)
    try:
        response = client_for(pair.client_admin).get(
            reverse("partners:partnership_end", kwargs={"pk": partnership.pk})
        )
    finally:
        partnership_ending_preview.disconnect(receiver)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>1</strong> memberships of users across the two environments" in page
    assert "<strong>1</strong> pending relationship requests between you" in page
    assert "<strong>3</strong> connection keys issued under it" in page
    assert "Bakkerij Jansen B.V." in page
    partnership.refresh_from_db()
    assert partnership.is_active


def test_former_partner_user_gets_404_on_the_very_next_request(
    client_for: ClientFor, pair: Pair, partnership: Partnership
) -> None:
    grant(pair.client_org, pair.firm_advanced)
    accountant = client_for(pair.firm_advanced)
    url = reverse("environments:organisation_detail", kwargs={"pk": pair.client_org.pk})
    assert accountant.get(url).status_code == 200

    client_for(pair.client_admin).post(reverse("partners:partnership_end", kwargs={"pk": partnership.pk}))

    assert accountant.get(url).status_code == 404
    assert (
        pair.client_org.name not in accountant.get(reverse("environments:organisation_list")).content.decode()
    )
    assert client_for(pair.client_admin).get(url).status_code == 200


def test_end_page_redirects_to_the_ended_partnership(
    client_for: ClientFor, pair: Pair, partnership: Partnership
) -> None:
    response = client_for(pair.firm_advanced).post(
        reverse("partners:partnership_end", kwargs={"pk": partnership.pk})
    )

    assert response["Location"] == reverse("partners:partnership_detail", kwargs={"pk": partnership.pk})
    detail = client_for(pair.firm_advanced).get(response["Location"]).content.decode()
    assert "Ended" in detail and "End partnership" not in detail


def test_ending_never_touches_documents(pair: Pair, partnership: Partnership) -> None:
    grant(pair.client_org, pair.firm_advanced, OrganisationRole.ADMINISTRATOR)
    draft_invoice(pair.client_org, user=pair.firm_advanced)
    delivered_invoice(pair.client_org, pair.firm_org)
    draft_invoice(pair.firm_org)
    before = list(Invoice.objects.order_by("pk").values())

    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    assert list(Invoice.objects.order_by("pk").values()) == before
    assert len(before) == 4


def test_ending_revokes_connection_keys_issued_under_it(pair: Pair, partnership: Partnership) -> None:
    grant(pair.client_org, pair.firm_advanced, OrganisationRole.ADMINISTRATOR)
    issued = issued_key(pair.client_org, pair.firm_advanced)
    own = issued_key(pair.firm_org, pair.firm_admin)

    partnership_end(partnership=partnership, acting_user=pair.client_admin)

    assert ConnectionKey.objects.get(pk=issued.key.pk).revoked_at is not None
    assert ConnectionKey.objects.get(pk=own.key.pk).revoked_at is None
