from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from accounts.models import User
from accounts.services import user_signup_with_environment
from emails.services import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up creates an environment; allauth's emails go through our queue like every other."""

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:  # type: ignore[override]
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        with transaction.atomic():
            return user_signup_with_environment(
                user=user,
                company_name=data.get("company_name") or user.email,
                company_kvk_number=data.get("company_kvk_number") or "",
            )

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = context.get("request") or getattr(self, "request", None)
        context = {"email": email, "current_site": self._site_for(request), **context}
        subject = self.format_email_subject(
            render_to_string(f"{template_prefix}_subject.txt", context, request=request).strip()
        )
        text = render_to_string(f"{template_prefix}_message.txt", context, request=request)
        html: str
        try:
            html = render_to_string(f"{template_prefix}_message.html", context, request=request)
        except TemplateDoesNotExist:
            html = ""
        email_queue_message(to=[email], subject=subject, text=text, html=html)

    @staticmethod
    def _site_for(request: HttpRequest | None) -> Any:
        from django.contrib.sites.shortcuts import get_current_site

        return get_current_site(request)
