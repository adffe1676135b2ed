"""Connections' part in ending a partnership (see partners.signals)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.models import User
from connections.models import ConnectionKey
from connections.services import connection_keys_revoke_for_partnership
from partners.models import Partnership
from partners.signals import partnership_ended, partnership_ending_preview


@receiver(partnership_ending_preview, dispatch_uid="connections.preview_connection_keys")
def preview_connection_keys(sender: Any, *, partnership: Partnership, **kwargs: Any) -> list[tuple[str, int]]:
    """What will stop: the live connection keys issued under the partnership."""
    count = ConnectionKey.objects.filter(partnership=partnership, revoked_at__isnull=True).count()
    return [(_("connection keys"), count)]


@receiver(partnership_ended, dispatch_uid="connections.revoke_connection_keys")
def revoke_connection_keys(
    sender: Any, *, partnership: Partnership, acting_user: User | None = None, **kwargs: Any
) -> None:
    """Revoke every key issued under the partnership, inside the ending transaction."""
    connection_keys_revoke_for_partnership(partnership=partnership, acting_user=acting_user)
