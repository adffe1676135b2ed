from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from connections.models import SoftwarePackage


class ConnectionForm(forms.Form):
    package = forms.ChoiceField(label=_("Software package"), choices=SoftwarePackage.choices)
    label = forms.CharField(
        label=_("Label"),
        max_length=100,
        required=False,
        help_text=_("Optional: the package's name for Other, or to tell two connections apart."),
    )
