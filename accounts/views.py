from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ChangeRoleForm, InvitationSignupForm, InviteUserForm, RelationshipManagerForm
from accounts.models import AuthenticatedHttpRequest, EnvironmentRole
from accounts.permissions import (
    access_environment_user,
    access_invitation,
    require_environment_administrator,
)
from accounts.selectors import environment_users, invitations_open
from accounts.services import (
    InvitationUnusable,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
    user_change_role,
    user_deactivate,
    user_reactivate,
    user_set_relationship_manager,
)
from environments.forms import form_add_service_errors

PAGE_SIZE = 25


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email. GET shows the invitation and a sign-up form and changes
    nothing (mail scanners open links); POST creates the account."""
    try:
        invitation = invitation_for_token(token=token)
        if invitation.status != "pending":
            raise InvitationUnusable(invitation.status)
    except InvitationUnusable as unusable:
        return render(request, "accounts/invitation_unusable.html", {"status": unusable.status}, status=410)
    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except InvitationUnusable as unusable:
            return render(
                request, "accounts/invitation_unusable.html", {"status": unusable.status}, status=410
            )
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return redirect("dashboard")
    return render(request, "accounts/invitation.html", {"invitation": invitation, "form": form})


# Settings > Users: administrators only.


@login_required
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment_administrator(user=request.user)
    search = request.GET.get("q", "").strip()
    page = Paginator(environment_users(environment=environment, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "search": search,
        "open_invitation_count": invitations_open(environment=environment).count(),
    }
    return render(request, "accounts/user_list.html", context)


@login_required
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = access_environment_user(user=request.user, pk=pk)
    context = {
        "subject": user,
        "role_form": ChangeRoleForm(initial={"role": user.role}),
        "can_be_relationship_manager": user.role >= EnvironmentRole.ADVANCED_USER,
        "plan_has_relationship_managers": user.home.plan.has_relationship_managers,
        "is_self": user.pk == request.user.pk,
    }
    return render(request, "accounts/user_detail.html", context)


@login_required
@require_POST
def user_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = access_environment_user(user=request.user, pk=pk)
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose basic user, advanced user or administrator."))
        return redirect("accounts:user_detail", pk=user.pk)
    try:
        changed = user_change_role(user=user, role=form.cleaned_data["role"], acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:user_detail", pk=user.pk)
    messages.success(
        request,
        _("%(user)s is now %(role)s.")
        % {"user": changed.display_name, "role": EnvironmentRole(changed.role).label.lower()},
    )
    if changed.pk == request.user.pk and changed.role < EnvironmentRole.ADMINISTRATOR:
        # The acting administrator stepped down: user management is no longer theirs to see.
        return redirect("dashboard")
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_relationship_manager(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = access_environment_user(user=request.user, pk=pk)
    form = RelationshipManagerForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid
    wanted = bool(form.cleaned_data.get("is_relationship_manager"))
    try:
        # A plan without relationship managers raises PlanFeatureUnavailable: the middleware
        # answers with the upgrade page.
        changed = user_set_relationship_manager(
            user=user, is_relationship_manager=wanted, acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed.is_relationship_manager:
            messages.success(
                request, _("%(user)s is now a relationship manager.") % {"user": user.display_name}
            )
        else:
            messages.success(
                request, _("%(user)s is no longer a relationship manager.") % {"user": user.display_name}
            )
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def user_deactivate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = access_environment_user(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            user_deactivate(user=user, acting_user=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request,
                _("%(user)s is deactivated and signed out everywhere.") % {"user": user.display_name},
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_deactivate.html", {"subject": user, "error": error})


@login_required
@require_POST
def user_reactivate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = access_environment_user(user=request.user, pk=pk)
    user_reactivate(user=user, acting_user=request.user)
    messages.success(request, _("%(user)s can sign in again.") % {"user": user.display_name})
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def user_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment_administrator(user=request.user)
    form = InviteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                environment=environment, email=form.cleaned_data["email"], acting_user=request.user
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:invitation_list")
    return render(request, "accounts/user_invite.html", {"form": form})


@login_required
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_environment_administrator(user=request.user)
    page = Paginator(invitations_open(environment=environment), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/invitation_list.html",
        {"page": page, "open_invitation_count": page.paginator.count},
    )


@login_required
@require_POST
def invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a fresh link to the same address; the old link stops working."""
    invitation = access_invitation(user=request.user, pk=pk)
    try:
        fresh = invitation_create(
            environment=invitation.environment, email=invitation.email, acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("A new invitation was sent to %(email)s; the previous link no longer works.")
            % {"email": fresh.email},
        )
    return redirect("accounts:invitation_list")


@login_required
def invitation_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = access_invitation(user=request.user, pk=pk)
    if request.method == "POST":
        invitation_revoke(invitation=invitation, acting_user=request.user)
        messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
        return redirect("accounts:invitation_list")
    return render(request, "accounts/invitation_revoke.html", {"invitation": invitation})
