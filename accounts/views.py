from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import InvitationSignupForm
from accounts.services import InvitationUnusable, invitation_accept, invitation_for_token


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
