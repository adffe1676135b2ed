from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import InvitationSignupForm
from authorisations.models import AuthorisationRequest, Payer
from connections.models import SoftwarePackage
from environments.models import Organisation, OrganisationRole, kvk_validator

NEW_ORGANISATION = "new"


class AuthorisationRequestForm(forms.Form):
    client_name = forms.CharField(label=_("Client name"), max_length=200)
    client_email = forms.EmailField(
        label=_("Client email"), help_text=_("The link to accept goes to this address.")
    )
    kvk_number = forms.CharField(label=_("KvK number"), max_length=8, validators=[kvk_validator])
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    software_package = forms.ChoiceField(label=_("Software package"), choices=SoftwarePackage.choices)
    role = forms.TypedChoiceField(
        label=_("Role asked for"),
        choices=OrganisationRole.choices,
        coerce=int,
        help_text=_("Administrator also lets you manage the organisation's software connections and keys."),
    )
    payer = forms.ChoiceField(label=_("Who pays for the client's connection"), choices=Payer.choices)
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea, max_length=2000)


class AcceptForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    role = forms.TypedChoiceField(label=_("Role to grant"), coerce=int)

    def __init__(
        self,
        *args: Any,
        request: AuthorisationRequest,
        organisations: list[Organisation],
        may_create: bool,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), f"{o.name} (KvK {o.kvk_number})") for o in organisations]
        if may_create and not any(o.kvk_number == request.kvk_number for o in organisations):
            choices.append(
                (
                    NEW_ORGANISATION,
                    _("Create “%(name)s” (KvK %(kvk)s)")
                    % {"name": request.organisation_name, "kvk": request.kvk_number},
                )
            )
        self.fields["organisation"].choices = choices  # type: ignore[attr-defined]
        matching = next((o for o in organisations if o.kvk_number == request.kvk_number), None)
        self.fields["organisation"].initial = (
            str(matching.pk)
            if matching
            else (NEW_ORGANISATION if choices and choices[-1][0] == NEW_ORGANISATION else None)
        )
        self.has_choices = bool(choices)
        self.fields["role"].choices = role_choices_up_to(request.role)  # type: ignore[attr-defined]
        self.fields["role"].initial = request.role

    def organisation_id(self) -> int | None:
        value = self.cleaned_data["organisation"]
        return None if value == NEW_ORGANISATION else int(value)


def role_choices_up_to(requested: int) -> list[tuple[int, str]]:
    return [(value, str(label)) for value, label in OrganisationRole.choices if value <= requested]


class SignupAcceptForm(InvitationSignupForm):
    company_name = forms.CharField(
        label=_("Company name"), max_length=200, help_text=_("The name of your environment.")
    )
    role = forms.TypedChoiceField(label=_("Role to grant"), coerce=int)

    field_order = ["first_name", "last_name", "company_name", "password1", "password2", "role"]

    def __init__(self, *args: Any, request: AuthorisationRequest, **kwargs: Any) -> None:
        super().__init__(*args, email=request.client_email, **kwargs)
        self.fields["company_name"].initial = request.client_name
        self.fields["role"].choices = role_choices_up_to(request.role)  # type: ignore[attr-defined]
        self.fields["role"].initial = request.role


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: client_name, client_email, kvk_number, organisation_name, software_package, role "
            "(member or administrator), payer (intermediary or client). Comma or semicolon separated."
        ),
    )
    message = forms.CharField(
        label=_("Message to every client"), required=False, widget=forms.Textarea, max_length=2000
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: split it."))
        return upload
