from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from partners.models import Partnership


class RelationshipRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Optional. Shown to the people who receive the request."),
    )


class RelationshipManagerConnectForm(forms.Form):
    partnership = forms.ModelChoiceField(queryset=Partnership.objects.none(), widget=forms.HiddenInput)
    user = forms.ModelChoiceField(label=_("Relationship manager"), queryset=User.objects.none())

    def __init__(
        self,
        *args: Any,
        partnerships: QuerySet[Partnership],
        managers: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships  # type: ignore[attr-defined]
        self.fields["user"].queryset = managers  # type: ignore[attr-defined]
