from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import EnvironmentRole, User
from environments.models import kvk_validator


class PortalSignupForm(SignupForm):
    """Signing up creates a new environment with the new user as its administrator."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    company_name = forms.CharField(
        label=_("Company name"), max_length=200, help_text=_("The name of your environment on the platform.")
    )
    company_kvk_number = forms.CharField(
        label=_("KvK number"), max_length=8, required=False, validators=[kvk_validator]
    )

    field_order = [
        "first_name",
        "last_name",
        "company_name",
        "company_kvk_number",
        "email",
        "password1",
        "password2",
    ]

    def save(self, request: HttpRequest) -> User:  # type: ignore[override]
        return super().save(request)


class InvitationSignupForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        if password1:
            probe = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InviteUserForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("They receive a link to create an account in your environment as a basic user."),
    )


class ChangeRoleForm(forms.Form):
    role = forms.TypedChoiceField(label=_("Role"), choices=EnvironmentRole.choices, coerce=int)


class RelationshipManagerForm(forms.Form):
    is_relationship_manager = forms.BooleanField(label=_("Relationship manager"), required=False)
