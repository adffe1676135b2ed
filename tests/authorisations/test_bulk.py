from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from post_office.models import Email

from authorisations.bulk import (
    bulk_upload_confirm,
    bulk_upload_preview,
    bulk_upload_resend_expired,
    bulk_upload_send_batch,
)
from authorisations.models import AuthorisationRequest, AuthorisationRequestStatus, BulkUploadStatus
from authorisations.selectors import bulk_upload_counts
from environments.plans import PlanFeatureUnavailable
from tests.authorisations.helpers import send
from tests.factories import (
    AdvancedUserFactory,
    EnvironmentFactory,
    OrganisationFactory,
    PartnershipFactory,
    plan,
)
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

HEADER = "client_name,client_email,kvk_number,organisation_name,software_package,role,payer\n"


def csv_of(lines: list[str]) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def good_line(n: int) -> str:
    kvk = f"{30000000 + n:08d}"
    return f"Client {n},client{n}@example.test,{kvk},Client {n} B.V.,exact_online,member,intermediary"


@pytest.fixture
def accountant():
    return AdvancedUserFactory(
        environment=EnvironmentFactory(name="Demo Accountants", plan=plan("professional"))
    )


def test_preview_explains_every_bad_row_and_sends_nothing(accountant) -> None:
    partner = EnvironmentFactory()
    PartnershipFactory(environments=(accountant.environment, partner))
    OrganisationFactory(environment=partner, kvk_number="44444444")
    send(accountant, kvk_number="55555555", client_email="pending@example.test")
    emails_before = Email.objects.count()
    content = csv_of(
        [
            good_line(1),
            "Bad KvK,bad@example.test,1234,Bad B.V.,exact_online,member,client",
            "Dup A,a@example.test,66666666,Dup B.V.,twinfield,member,client",
            "Dup B,b@example.test,66666666,Dup B.V.,twinfield,member,client",
            "Partner,p@example.test,44444444,Partner B.V.,yuki,member,client",
            "Pending,q@example.test,55555555,Pending B.V.,yuki,member,client",
            "Odd,not-an-email,77777777,Odd B.V.,abacus,owner,nobody",
        ]
    )

    upload = bulk_upload_preview(
        environment=accountant.environment, acting_user=accountant, filename="c.csv", content=content
    )

    rows = {row.line_number: row.errors for row in upload.rows.all()}
    assert upload.total_rows == 7 and upload.valid_rows == 1
    assert rows[2] == []
    assert any("8 digits" in e for e in rows[3])
    assert any("more than once" in e for e in rows[4]) and any("more than once" in e for e in rows[5])
    assert any("Already a partner" in e for e in rows[6])
    assert any("already pending" in e for e in rows[7])
    assert {"Client email is not a valid email address."} <= set(rows[8])
    assert any("Unknown software" in e for e in rows[8]) and any("Role must be" in e for e in rows[8])
    assert Email.objects.count() == emails_before
    assert AuthorisationRequest.objects.count() == 1


def test_a_file_without_the_columns_is_refused_with_what_is_missing(accountant) -> None:
    with pytest.raises(ValidationError, match=r"Missing: .*kvk_number"):
        bulk_upload_preview(
            environment=accountant.environment,
            acting_user=accountant,
            filename="c.csv",
            content=b"name,email\nA,a@b.c\n",
        )


def test_semicolon_separated_files_with_dutch_excel_headers_are_read(accountant) -> None:
    content = (
        "Name;Email;KvK;Organisation;Software;Role;Payer\n"
        "Jansen;j@example.test;12345678;Jansen B.V.;Exact Online;member;client\n"
    )

    upload = bulk_upload_preview(
        environment=accountant.environment,
        acting_user=accountant,
        filename="c.csv",
        content=content.encode("cp1252"),
    )

    assert upload.valid_rows == 1


def test_confirming_sends_every_good_row_in_batches(
    accountant, settings, django_capture_on_commit_callbacks
) -> None:
    settings.BULK_UPLOAD_BATCH_SIZE = 3
    upload = bulk_upload_preview(
        environment=accountant.environment,
        acting_user=accountant,
        filename="c.csv",
        content=csv_of([good_line(n) for n in range(7)] + ["Bad,bad,1,Bad,x,y,z"]),
    )

    with django_capture_on_commit_callbacks(execute=True):
        bulk_upload_confirm(upload=upload, acting_user=accountant)

    upload.refresh_from_db()
    assert upload.status == BulkUploadStatus.DONE and upload.processed_rows == 7
    assert AuthorisationRequest.objects.filter(bulk_upload=upload, status="pending").count() == 7
    assert Email.objects.filter(subject__contains="asks to work for").count() == 7
    assert bulk_upload_counts(upload=upload)["sent"] == 7
    assert bulk_upload_counts(upload=upload)["invalid"] == 1


def test_a_retried_batch_sends_nothing_twice(accountant, django_capture_on_commit_callbacks) -> None:
    upload = bulk_upload_preview(
        environment=accountant.environment,
        acting_user=accountant,
        filename="c.csv",
        content=csv_of([good_line(1), good_line(2)]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        bulk_upload_confirm(upload=upload, acting_user=accountant)
    row_ids = list(upload.rows.values_list("pk", flat=True))

    again = bulk_upload_send_batch(upload_id=upload.pk, row_ids=row_ids)

    assert again == 0
    assert AuthorisationRequest.objects.count() == 2
    assert Email.objects.filter(subject__contains="asks to work for").count() == 2


def test_a_row_whose_kvk_got_a_pending_request_meanwhile_fails_with_the_reason(
    accountant, django_capture_on_commit_callbacks
) -> None:
    upload = bulk_upload_preview(
        environment=accountant.environment,
        acting_user=accountant,
        filename="c.csv",
        content=csv_of([good_line(1), good_line(2)]),
    )
    send(accountant, kvk_number=f"{30000001:08d}", client_email="meanwhile@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        bulk_upload_confirm(upload=upload, acting_user=accountant)

    counts = bulk_upload_counts(upload=upload)

    assert (counts["sent"], counts["failed"]) == (1, 1)
    assert "already pending" in upload.rows.get(line_number=2).failure


def test_confirming_twice_is_refused(accountant) -> None:
    upload = bulk_upload_preview(
        environment=accountant.environment,
        acting_user=accountant,
        filename="c.csv",
        content=csv_of([good_line(1)]),
    )
    bulk_upload_confirm(upload=upload, acting_user=accountant)

    with pytest.raises(ValidationError, match="already been confirmed"):
        bulk_upload_confirm(upload=upload, acting_user=accountant)


def test_resend_all_expired_gives_each_expired_row_a_new_link(
    accountant, django_capture_on_commit_callbacks
) -> None:
    upload = bulk_upload_preview(
        environment=accountant.environment,
        acting_user=accountant,
        filename="c.csv",
        content=csv_of([good_line(1), good_line(2)]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        bulk_upload_confirm(upload=upload, acting_user=accountant)
    AuthorisationRequest.objects.filter(bulk_upload=upload).update(status=AuthorisationRequestStatus.EXPIRED)

    resent = bulk_upload_resend_expired(upload=upload, acting_user=accountant)

    assert resent == 2
    assert bulk_upload_counts(upload=upload)["sent"] == 2


def test_bulk_needs_a_plan_with_bulk_requests() -> None:
    basic = AdvancedUserFactory(environment=EnvironmentFactory(plan=plan("basic")))

    with pytest.raises(PlanFeatureUnavailable, match="Professional"):
        bulk_upload_preview(
            environment=basic.environment, acting_user=basic, filename="c.csv", content=csv_of([good_line(1)])
        )


def test_upload_page_shows_the_preview(accountant, client_for) -> None:
    client = client_for(accountant)

    response = client.post(
        reverse("authorisations:bulk_create"),
        {
            "file": SimpleUploadedFile(
                "clients.csv", csv_of([good_line(1), "x,y,1,z,q,r,s"]), content_type="text/csv"
            )
        },
    )
    board = client.get(response["Location"])

    assert response.status_code == 302
    assert b"Nothing has been sent yet" in board.content
    assert b"<td>Exact Online</td>" in board.content
    assert b"KvK number must be exactly 8 digits" in board.content


def _queries_for(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_status_board_keeps_a_constant_query_count(accountant, client_for) -> None:
    client = client_for(accountant)
    small, large = (
        bulk_upload_preview(
            environment=accountant.environment,
            acting_user=accountant,
            filename=f"{size}.csv",
            content=csv_of([good_line(1000 * size + n) for n in range(size)]),
        )
        for size in (2, 40)
    )
    for upload in (small, large):
        bulk_upload_confirm(upload=upload, acting_user=accountant)

    counts = [
        _queries_for(client, reverse("authorisations:bulk_detail", kwargs={"pk": u.pk}))
        for u in (small, large)
    ]

    assert counts[0] == counts[1]


def test_request_list_keeps_a_constant_query_count(accountant, client_for) -> None:
    def grow_to(size: int) -> None:
        for n in range(AuthorisationRequest.objects.count(), size):
            send(accountant, kvk_number=f"{20000000 + n:08d}", client_email=f"c{n}@example.test")

    assert_constant_queries(client_for(accountant), reverse("authorisations:list"), grow_to=grow_to)


def test_bulk_upload_list_keeps_a_constant_query_count(accountant, client_for) -> None:
    def grow_to(size: int) -> None:
        for n in range(accountant.environment.bulk_uploads.count(), size):
            bulk_upload_preview(
                environment=accountant.environment,
                acting_user=accountant,
                filename=f"upload-{n}.csv",
                content=csv_of([good_line(n)]),
            )

    assert_constant_queries(client_for(accountant), reverse("authorisations:bulk_list"), grow_to=grow_to)
