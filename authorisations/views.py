from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AuthenticatedHttpRequest
from authorisations.bulk import bulk_upload_confirm, bulk_upload_preview, bulk_upload_resend_expired
from authorisations.forms import AcceptForm, AuthorisationRequestForm, BulkUploadForm, SignupAcceptForm
from authorisations.models import AuthorisationRequest, AuthorisationRequestStatus, BulkUploadStatus
from authorisations.permissions import (
    access_authorisation_request,
    access_bulk_upload,
    require_request_sender,
    responder_refusal,
)
from authorisations.selectors import (
    BOARD_STATUSES,
    authorisation_requests_list,
    bulk_upload_counts,
    bulk_upload_rows,
    bulk_uploads_list,
)
from authorisations.services import (
    AuthorisationRequestDraft,
    LinkUnusable,
    authorisation_link_resolve,
    authorisation_request_accept,
    authorisation_request_accept_with_signup,
    authorisation_request_decline,
    authorisation_request_resend,
    authorisation_request_send,
    authorisation_request_withdraw,
)
from connections.models import SoftwarePackage
from environments.forms import form_add_service_errors
from environments.models import Organisation, PlanFeature
from environments.plans import environment_has_feature, plan_require_feature
from environments.selectors import organisations_administered_by

PAGE_SIZE = 25


@login_required
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_request_sender(user=request.user)
    status = request.GET.get("status", "")
    search = request.GET.get("q", "").strip()
    page = Paginator(
        authorisation_requests_list(environment=environment, status=status, search=search), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "search": search,
        "statuses": AuthorisationRequestStatus.choices,
        "can_send": environment_has_feature(environment, PlanFeature.AUTHORISATION_REQUESTS),
        "can_bulk": environment_has_feature(environment, PlanFeature.BULK_AUTHORISATION_REQUESTS),
    }
    return render(request, "authorisations/request_list.html", context)


@login_required
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_request_sender(user=request.user)
    plan_require_feature(environment, PlanFeature.AUTHORISATION_REQUESTS)
    form = AuthorisationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = authorisation_request_send(
                environment=environment,
                acting_user=request.user,
                draft=AuthorisationRequestDraft(**form.cleaned_data),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Request sent to %(email)s.") % {"email": sent.client_email})
            return redirect("authorisations:detail", pk=sent.pk)
    return render(request, "authorisations/request_form.html", {"form": form})


@login_required
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    authorisation_request = access_authorisation_request(user=request.user, pk=pk)
    return render(
        request, "authorisations/request_detail.html", {"authorisation_request": authorisation_request}
    )


@login_required
def request_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    authorisation_request = access_authorisation_request(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            authorisation_request_withdraw(request=authorisation_request, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Request withdrawn. Its link no longer works."))
        return redirect("authorisations:detail", pk=pk)
    return render(
        request, "authorisations/request_withdraw.html", {"authorisation_request": authorisation_request}
    )


@login_required
@require_POST
def request_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    authorisation_request = access_authorisation_request(user=request.user, pk=pk)
    try:
        authorisation_request_resend(request=authorisation_request, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sent again with a new link; the previous link no longer works."))
    return redirect("authorisations:detail", pk=pk)


# The client's side: the link in the email.


def _unusable(request: HttpRequest, unusable: LinkUnusable) -> HttpResponse:
    return render(
        request,
        "authorisations/respond_unusable.html",
        {"reason": unusable.reason, "authorisation_request": unusable.request},
        status=410,
    )


def _own_organisations(request: HttpRequest) -> list[Organisation]:
    """The organisations the signed-in client may open to the requester."""
    if not request.user.is_authenticated:
        return []
    return list(organisations_administered_by(user=request.user).order_by("name"))  # type: ignore[arg-type]


def _respond_context(
    request: HttpRequest, authorisation_request: AuthorisationRequest, token: str
) -> dict[str, object]:
    user = request.user
    context: dict[str, object] = {"authorisation_request": authorisation_request, "token": token}
    if not user.is_authenticated:
        context["signup_form"] = SignupAcceptForm(request=authorisation_request)
        context["login_url"] = reverse("account_login") + "?next=" + request.path
    elif refusal := responder_refusal(user=user, request=authorisation_request):  # type: ignore[arg-type]
        context[refusal] = True
    else:
        form = AcceptForm(
            request=authorisation_request,
            organisations=_own_organisations(request),
            may_create=user.is_environment_administrator,  # type: ignore[union-attr]
        )
        if form.has_choices:
            context["accept_form"] = form
        else:
            context["nothing_to_choose"] = True
    return context


def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email. GET shows exactly what is asked and changes nothing (mail scanners
    open links); answering is a POST to accept, decline or sign up."""
    try:
        authorisation_request = authorisation_link_resolve(token=token)
    except LinkUnusable as unusable:
        return _unusable(request, unusable)
    return render(
        request, "authorisations/respond.html", _respond_context(request, authorisation_request, token)
    )


@login_required
@require_POST
def respond_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    try:
        authorisation_request = authorisation_link_resolve(token=token)
    except LinkUnusable as unusable:
        return _unusable(request, unusable)
    form = AcceptForm(
        request.POST,
        request=authorisation_request,
        organisations=_own_organisations(request),
        may_create=request.user.is_environment_administrator,
    )
    if form.is_valid():
        try:
            accepted = authorisation_request_accept(
                token=token,
                acting_user=request.user,
                organisation_id=form.organisation_id(),
                role=form.cleaned_data["role"],
            )
        except LinkUnusable as unusable:
            return _unusable(request, unusable)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Accepted: %(partner)s now works for %(organisation)s")
                % {"partner": accepted.environment.name, "organisation": accepted.organisation.name},  # type: ignore[union-attr]
            )
            return redirect("environments:organisation_members", pk=accepted.organisation_id)
    context = _respond_context(request, authorisation_request, token)
    context["accept_form"] = form
    return render(request, "authorisations/respond.html", context, status=400)


@login_required
@require_POST
def respond_decline(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    try:
        declined = authorisation_request_decline(token=token, acting_user=request.user)
    except LinkUnusable as unusable:
        return _unusable(request, unusable)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("authorisations:respond", token=token)
    messages.success(
        request, _("Declined. %(partner)s has been told.") % {"partner": declined.environment.name}
    )
    return redirect("dashboard")


@require_POST
def respond_signup(request: HttpRequest, token: str) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("authorisations:respond", token=token)
    try:
        authorisation_request = authorisation_link_resolve(token=token)
    except LinkUnusable as unusable:
        return _unusable(request, unusable)
    form = SignupAcceptForm(request.POST, request=authorisation_request)
    if form.is_valid():
        try:
            accepted, user = authorisation_request_accept_with_signup(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
                company_name=form.cleaned_data["company_name"],
                role=form.cleaned_data["role"],
            )
        except LinkUnusable as unusable:
            return _unusable(request, unusable)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
            messages.success(
                request,
                _("Welcome! Your environment is ready and %(partner)s now works for %(organisation)s")
                % {"partner": accepted.environment.name, "organisation": accepted.organisation.name},  # type: ignore[union-attr]
            )
            return redirect("environments:organisation_members", pk=accepted.organisation_id)
    context = _respond_context(request, authorisation_request, token)
    context["signup_form"] = form
    return render(request, "authorisations/respond.html", context, status=400)


# Bulk onboarding.


@login_required
def bulk_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_request_sender(user=request.user)
    page = Paginator(bulk_uploads_list(environment=environment), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "authorisations/bulk_list.html", {"page": page})


@login_required
def bulk_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_request_sender(user=request.user)
    plan_require_feature(environment, PlanFeature.BULK_AUTHORISATION_REQUESTS)
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = bulk_upload_preview(
                environment=environment,
                acting_user=request.user,
                filename=uploaded.name,
                content=uploaded.read(),
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            for problem in error.message_dict.get("file", error.messages):
                form.add_error("file", problem)
        else:
            return redirect("authorisations:bulk_detail", pk=upload.pk)
    return render(request, "authorisations/bulk_form.html", {"form": form})


@login_required
def bulk_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = access_bulk_upload(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    rows = bulk_upload_rows(upload=upload, status=status)
    context = {
        "upload": upload,
        "page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "counts": bulk_upload_counts(upload=upload),
        "status": status,
        "statuses": BOARD_STATUSES,
        "is_preview": upload.status == BulkUploadStatus.PREVIEW,
        "software_labels": dict(SoftwarePackage.choices),
    }
    return render(request, "authorisations/bulk_detail.html", context)


@login_required
def bulk_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    upload = access_bulk_upload(user=request.user, pk=pk)
    return JsonResponse(
        {
            "status": upload.status,
            "processed": upload.processed_rows,
            "total": upload.valid_rows,
            "percent": upload.progress_percent,
        }
    )


@login_required
@require_POST
def bulk_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = access_bulk_upload(user=request.user, pk=pk)
    try:
        bulk_upload_confirm(upload=upload, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sending %(count)d requests.") % {"count": upload.valid_rows})
    return redirect("authorisations:bulk_detail", pk=pk)


@login_required
@require_POST
def bulk_resend_expired(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = access_bulk_upload(user=request.user, pk=pk)
    count = bulk_upload_resend_expired(upload=upload, acting_user=request.user)
    messages.success(request, _("%(count)d expired requests sent again.") % {"count": count})
    return redirect("authorisations:bulk_detail", pk=pk)
