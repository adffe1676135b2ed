from __future__ import annotations

from django.http import Http404

from accounts.models import User
from documents.models import Invoice
from environments.permissions import access_organisation


def access_document(*, user: User, pk: int) -> Invoice:
    """The invoice if the user may work with its organisation's documents; Http404 otherwise,
    whether it is missing or belongs to an organisation the user cannot reach."""
    invoice = Invoice.objects.filter(pk=pk).first()
    if invoice is None:
        raise Http404
    invoice.organisation = access_organisation(
        user=user, pk=invoice.organisation_id, permission="manage_documents"
    )
    return invoice
