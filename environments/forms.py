from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from accounts.models import User
from environments.models import Organisation, OrganisationRole, Plan, kvk_validator, peppol_id_validator


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: a field's errors at that field, the rest
    (and errors about fields the form does not have) at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kvk_number = forms.CharField(
        label=_("KvK number"),
        max_length=8,
        # The validator alone explains a wrong length; min_length would add a second message.
        validators=[kvk_validator],
        help_text=_("8 digits."),
    )
    vat_number = forms.CharField(
        label=_("VAT number"), max_length=20, required=False, help_text=_("Optional, e.g. NL123456789B01.")
    )
    peppol_id = forms.CharField(
        label=_("Peppol participant id"),
        max_length=60,
        required=False,
        validators=[peppol_id_validator],
        help_text=_("Leave empty to use 0106:<KvK number>."),
    )

    @classmethod
    def for_organisation(cls, organisation: Organisation, data: Any = None) -> OrganisationForm:
        return cls(
            data,
            initial={
                "name": organisation.name,
                "kvk_number": organisation.kvk_number,
                "vat_number": organisation.vat_number,
                "peppol_id": organisation.peppol_id,
            },
        )

    def clean_kvk_number(self) -> str:
        return self.cleaned_data["kvk_number"].strip()

    def clean_vat_number(self) -> str:
        value = self.cleaned_data["vat_number"].strip()
        if not value:
            return ""
        try:
            return str(eu_vat.validate(value))
        except StdnumValidationError as error:
            raise forms.ValidationError(
                _("This is not a valid EU VAT number (e.g. NL123456789B01).")
            ) from error


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())
    role = forms.TypedChoiceField(label=_("Role"), choices=OrganisationRole.choices, coerce=int)

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda user: (  # type: ignore[attr-defined]
            f"{user.display_name} <{user.email}> ({user.environment.name})"
        )


class MembershipRoleForm(forms.Form):
    role = forms.TypedChoiceField(label=_("Role"), choices=OrganisationRole.choices, coerce=int)


class PlanChoiceForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.all(), empty_label=None)


class DirectorySettingsForm(forms.Form):
    listed_in_directory = forms.BooleanField(
        label=_("List this environment in the partner directory"),
        required=False,
        help_text=_("Other environments can then find you under Partners > Find partners."),
    )


class EnvironmentSettingsForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Your company's name as colleagues and partners see it."),
    )
    listed_in_directory = forms.BooleanField(
        label=_("List this environment in the partner directory"),
        required=False,
        help_text=_(
            "Other environments can then find you by name or KvK number under Partners > Find partners. "
            "Existing partnerships are not affected."
        ),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."))
        return name
