from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AuthenticatedHttpRequest, EnvironmentRole
from environments.forms import (
    EnvironmentSettingsForm,
    MembershipForm,
    MembershipRoleForm,
    OrganisationForm,
    form_add_service_errors,
)
from environments.models import OrganisationMembership, Plan, PlanFeature
from environments.permissions import (
    OrganisationPermissions,
    access_organisation,
    require_environment,
    require_role,
)
from environments.selectors import (
    environment_usage,
    membership_candidates,
    organisation_memberships,
    organisations_list,
    organisations_visible_to,
    plans_for_comparison,
    subscription_history,
)
from environments.services import (
    environment_update_settings,
    membership_grant,
    membership_revoke,
    organisation_create,
    organisation_update,
    subscription_change_plan,
)

PAGE_SIZE = 25


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment(user=request.user)
    organisations = organisations_visible_to(user=request.user)
    context = {
        "environment": environment,
        "organisation_count": organisations.count(),
        "recent_organisations": organisations.order_by("-created_at")[:5],
    }
    return render(request, "environments/dashboard.html", context)


@login_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_environment(user=request.user)
    search = request.GET.get("q", "").strip()
    page = Paginator(organisations_list(user=request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "environments/organisation_list.html", {"page": page, "search": search})


@login_required
def organisation_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(
                environment=environment, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Organisation %(name)s created.") % {"name": organisation.name})
            return redirect("environments:organisation_detail", pk=organisation.pk)
    return render(request, "environments/organisation_form.html", {"form": form, "creating": True})


@login_required
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk)
    permissions = OrganisationPermissions(user=request.user, organisations=[organisation])
    context = {
        "organisation": organisation,
        "granted": permissions.granted(organisation),
        "is_own_environment": organisation.environment_id == request.user.environment_id,
        "can_edit": request.user.is_environment_administrator
        and organisation.environment_id == request.user.environment_id,
    }
    return render(request, "environments/organisation_detail.html", context)


@login_required
def organisation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk)
    # Only administrators of the organisation's own environment edit its legal details.
    if not (
        request.user.is_environment_administrator
        and organisation.environment_id == request.user.environment_id
    ):
        raise PermissionDenied
    form = OrganisationForm.for_organisation(organisation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation_update(organisation=organisation, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect("environments:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "environments/organisation_form.html",
        {"form": form, "organisation": organisation, "creating": False},
    )


@login_required
def organisation_members(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk)
    permissions = OrganisationPermissions(user=request.user, organisations=[organisation])
    can_manage = permissions.has("manage_members", organisation)
    memberships = organisation_memberships(organisation=organisation)
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    form = None
    if can_manage:
        form = MembershipForm(
            candidates=membership_candidates(organisation=organisation, acting_user=request.user)
        )
    context = {"organisation": organisation, "page": page, "form": form, "can_manage": can_manage}
    return render(request, "environments/organisation_members.html", context)


@login_required
@require_POST
def organisation_member_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_members")
    form = MembershipForm(
        request.POST, candidates=membership_candidates(organisation=organisation, acting_user=request.user)
    )
    if form.is_valid():
        try:
            membership_grant(
                organisation=organisation,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(user)s added.") % {"user": form.cleaned_data["user"].display_name})
    else:
        messages.error(request, _("Choose a user and a role."))
    return redirect("environments:organisation_members", pk=organisation.pk)


@login_required
@require_POST
def organisation_member_change(
    request: AuthenticatedHttpRequest, pk: int, membership_pk: int
) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_members")
    membership = get_object_or_404(
        OrganisationMembership.objects.select_related("user"), pk=membership_pk, organisation=organisation
    )
    form = MembershipRoleForm(request.POST)
    if form.is_valid():
        try:
            membership_grant(
                organisation=organisation,
                user=membership.user,
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Role changed."))
    return redirect("environments:organisation_members", pk=organisation.pk)


@login_required
def organisation_member_remove(
    request: AuthenticatedHttpRequest, pk: int, membership_pk: int
) -> HttpResponse:
    organisation = access_organisation(user=request.user, pk=pk, permission="manage_members")
    membership = get_object_or_404(
        OrganisationMembership.objects.select_related(
            "user", "organisation__environment", "user__environment"
        ),
        pk=membership_pk,
        organisation=organisation,
    )
    if request.method == "POST":
        membership_revoke(membership=membership, acting_user=request.user)
        messages.success(request, _("%(user)s removed.") % {"user": membership.user.display_name})
        return redirect("environments:organisation_members", pk=organisation.pk)
    return render(
        request,
        "environments/organisation_member_remove.html",
        {"organisation": organisation, "membership": membership},
    )


# Settings > Subscription and Settings > Environment: administrators only.


def _plan_features(plan: Plan) -> list[tuple[str, bool]]:
    return [(str(label), plan.has_feature(value)) for value, label in PlanFeature.choices]


@login_required
def subscription(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    plans = list(plans_for_comparison())
    history = Paginator(subscription_history(environment=environment), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "environment": environment,
        "plan": environment.plan,
        "features": _plan_features(environment.plan),
        "usage": environment_usage(environment=environment),
        "plans": [(plan, _plan_features(plan)) for plan in plans],
        "feature_labels": [str(label) for label in PlanFeature.labels],
        "page": history,
    }
    return render(request, "environments/subscription.html", context)


@login_required
def subscription_change(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Confirmation page (GET) and the change itself (POST). No payment provider: the change is
    recorded with who made it."""
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    plan = get_object_or_404(Plan, code=code)
    current = environment.plan
    error = ""
    if request.method == "POST":
        try:
            change = subscription_change_plan(environment=environment, plan=plan, acting_user=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            if change is None:
                messages.info(request, _("You are already on %(plan)s.") % {"plan": plan.name})
            else:
                messages.success(request, _("Your subscription is now %(plan)s.") % {"plan": plan.name})
            return redirect("environments:subscription")
    features = zip(_plan_features(current), _plan_features(plan), strict=True)
    context = {
        "current": current,
        "plan": plan,
        "is_current": plan.pk == current.pk,
        "is_downgrade": plan.sort_order < current.sort_order,
        "features": [(label, before, after) for (label, before), (_label, after) in features],
        "usage": environment_usage(environment=environment),
        "error": error,
    }
    return render(request, "environments/subscription_change.html", context)


@login_required
def environment_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    form = EnvironmentSettingsForm(
        request.POST or None,
        initial={"name": environment.name, "listed_in_directory": environment.listed_in_directory},
    )
    if request.method == "POST" and form.is_valid():
        try:
            environment_update_settings(
                environment=environment,
                acting_user=request.user,
                name=form.cleaned_data["name"],
                listed_in_directory=form.cleaned_data["listed_in_directory"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Environment settings saved."))
            return redirect("environments:environment_settings")
    return render(
        request, "environments/environment_settings.html", {"form": form, "environment": environment}
    )
