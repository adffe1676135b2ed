from __future__ import annotations

from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Software connections"

    def ready(self) -> None:
        # Take part in ending a partnership: preview and revoke the keys issued under it.
        from connections import receivers  # noqa: F401
