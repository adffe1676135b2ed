from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import AuthenticatedHttpRequest
from documents.forms import ClientFilterForm, InvoiceFilterForm, InvoiceForm, InvoiceUploadForm, line_formset
from documents.models import Invoice, InvoiceDirection
from documents.permissions import access_document
from documents.selectors import (
    client_environments,
    clients_of,
    invoice_with_lines,
    invoices_visible_to,
    organisation_invoices,
)
from documents.services import invoice_create_draft, invoice_import_ubl, invoice_send, invoice_update_draft
from documents.ubl import UblInvalid, invoice_to_ubl, ubl_filename
from environments.forms import form_add_service_errors
from environments.models import Organisation, OrganisationRole
from environments.permissions import OrganisationPermissions, access_organisation, require_environment

PAGE_SIZE = 25


def _organisation_context(request: AuthenticatedHttpRequest, organisation: Organisation) -> dict[str, Any]:
    permissions = OrganisationPermissions(user=request.user, organisations=[organisation])
    return {"organisation": organisation, "granted": permissions.granted(organisation)}


@login_required
def organisation_invoice_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_documents")
    form = InvoiceFilterForm(request.GET or None)
    invoices = organisation_invoices(organisation=organisation, filters=form.filters())
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**_organisation_context(request, organisation), "form": form, "page": page}
    return render(request, "documents/organisation_invoice_list.html", context)


def _suggested_number(organisation: Organisation) -> str:
    year = date.today().year
    count = Invoice.objects.filter(
        organisation=organisation, direction=InvoiceDirection.OUTGOING, issue_date__year=year
    ).count()
    return f"{year}-{count + 1:04d}"


@login_required
def invoice_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_documents")
    today = date.today()
    form = InvoiceForm(
        request.POST or None,
        initial={"number": _suggested_number(organisation), "issue_date": today, "due_date": today},
    )
    lines = line_formset(data=request.POST or None)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            invoice = invoice_create_draft(
                organisation=organisation, acting_user=request.user, data=form.invoice_data(lines.lines())
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Draft invoice %(number)s saved.") % {"number": invoice.number})
            return redirect("documents:invoice_detail", pk=invoice.pk)
    context = {**_organisation_context(request, organisation), "form": form, "lines": lines, "creating": True}
    return render(request, "documents/invoice_form.html", context)


@login_required
def invoice_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_documents")
    form = InvoiceUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            invoice = invoice_import_ubl(
                organisation=organisation,
                acting_user=request.user,
                data=form.cleaned_data["file"].read(),
                direction=form.cleaned_data["direction"],
            )
        except UblInvalid as invalid:
            problems = invalid.problems
        else:
            messages.success(request, _("Invoice %(number)s imported.") % {"number": invoice.number})
            return redirect("documents:invoice_detail", pk=invoice.pk)
    context = {**_organisation_context(request, organisation), "form": form, "problems": problems}
    return render(request, "documents/invoice_upload.html", context, status=400 if problems else 200)


@login_required
def invoice_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_with_lines(invoice=access_document(user=request.user, pk=pk))
    context = {**_organisation_context(request, invoice.organisation), "invoice": invoice}
    return render(request, "documents/invoice_detail.html", context)


@login_required
def invoice_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_with_lines(invoice=access_document(user=request.user, pk=pk))
    if not invoice.is_editable:
        messages.error(request, _("Only a draft or a failed invoice can be changed."))
        return redirect("documents:invoice_detail", pk=invoice.pk)
    form = InvoiceForm.for_invoice(invoice, request.POST or None)
    lines = line_formset(data=request.POST or None, invoice=invoice)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            invoice_update_draft(
                invoice=invoice, acting_user=request.user, data=form.invoice_data(lines.lines())
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Invoice saved."))
            return redirect("documents:invoice_detail", pk=invoice.pk)
    context = {
        **_organisation_context(request, invoice.organisation),
        "invoice": invoice,
        "form": form,
        "lines": lines,
        "creating": False,
    }
    return render(request, "documents/invoice_form.html", context)


@login_required
def invoice_send_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET shows what will happen; POST sends (delivery runs in a task after commit)."""
    invoice = invoice_with_lines(invoice=access_document(user=request.user, pk=pk))
    if request.method == "POST":
        try:
            invoice_send(invoice=invoice, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Invoice %(number)s is being sent.") % {"number": invoice.number})
        return redirect("documents:invoice_detail", pk=invoice.pk)
    context = {**_organisation_context(request, invoice.organisation), "invoice": invoice}
    return render(request, "documents/invoice_send.html", context)


@login_required
def invoice_ubl(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_with_lines(invoice=access_document(user=request.user, pk=pk))
    response = HttpResponse(invoice_to_ubl(invoice), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ubl_filename(invoice)}"'
    return response


@login_required
def invoice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """All documents: every invoice of every organisation the user may work with."""
    require_environment(user=request.user)
    form = InvoiceFilterForm(request.GET or None, with_organisation=True)
    invoices = invoices_visible_to(user=request.user, filters=form.filters())
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    # One prefetched checker for the page's organisations: no permission query per row.
    permissions = OrganisationPermissions(
        user=request.user, organisations={invoice.organisation for invoice in page.object_list}
    )
    rows = [
        (invoice, invoice.is_sendable and permissions.has("manage_documents", invoice.organisation))
        for invoice in page.object_list
    ]
    return render(request, "documents/invoice_list.html", {"form": form, "page": page, "rows": rows})


@login_required
def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Clients: every organisation of another environment the user can reach."""
    require_environment(user=request.user)
    form = ClientFilterForm(request.GET or None, environments=client_environments(user=request.user))
    clients = clients_of(user=request.user, filters=form.filters())
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    permissions = OrganisationPermissions(user=request.user, organisations=page.object_list)
    rows = [
        {
            "organisation": organisation,
            "role": OrganisationRole(organisation.user_role).label if organisation.user_role else "",
            "can_documents": permissions.has("manage_documents", organisation),
            "can_connections": permissions.has("manage_connections", organisation),
        }
        for organisation in page.object_list
    ]
    return render(request, "documents/client_list.html", {"form": form, "page": page, "rows": rows})
