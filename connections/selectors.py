from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from connections.credentials import secret_hash, secret_matches
from connections.models import ConnectionKey, ConnectionStatus, SoftwareConnection
from environments.models import Organisation
from partners.models import PartnershipStatus

# Compared against when the app key is unknown, so both failures take the same time.
_UNKNOWN_KEY_HASH = secret_hash("no such key")


def connections_of(*, organisation: Organisation) -> QuerySet[SoftwareConnection]:
    """The organisation's connections, live first, each with its live key (if any) prefetched."""
    live_keys = ConnectionKey.objects.filter(revoked_at__isnull=True).select_related(
        "issued_by", "partnership"
    )
    return (
        SoftwareConnection.objects.filter(organisation=organisation)
        .select_related("created_by", "revoked_by")
        .prefetch_related(Prefetch("keys", queryset=live_keys, to_attr="live_keys"))
        .order_by("revoked_at", "-created_at", "-id")
    )


def connection_keys_of(*, connection: SoftwareConnection) -> QuerySet[ConnectionKey]:
    return ConnectionKey.objects.filter(connection=connection).select_related(
        "issued_by", "revoked_by", "partnership"
    )


def connection_key_for_credentials(*, app_key: str, secret: str) -> ConnectionKey | None:
    """The live key these credentials prove, with its organisation and plan loaded; None when
    the app key is unknown, the secret is wrong, the key was revoked or regenerated, the
    connection ended, or the partnership it was issued under has ended."""
    key = (
        ConnectionKey.objects.select_related(
            "connection__organisation__environment__plan", "partnership", "issued_by"
        )
        .filter(app_key=app_key)
        .first()
    )
    if key is None:
        secret_matches(secret, _UNKNOWN_KEY_HASH)
        return None
    if not secret_matches(secret, key.secret_hash):
        return None
    if key.revoked_at is not None or key.connection.status != ConnectionStatus.ACTIVE:
        return None
    if key.partnership is not None and key.partnership.status != PartnershipStatus.ACTIVE:
        return None
    return key
