from __future__ import annotations

from django.apps import AppConfig


class AuthorisationsConfig(AppConfig):
    name = "authorisations"
    verbose_name = "Authorisation requests"
