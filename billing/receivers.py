from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from billing.models import CostAllocation
from billing.services import cost_allocations_return_for_partnership
from partners.models import Partnership
from partners.signals import partnership_ended, partnership_ending_preview


@receiver(partnership_ending_preview)
def preview_cost_allocations(sender: Any, partnership: Partnership, **kwargs: Any) -> list[tuple[str, int]]:
    count = CostAllocation.objects.filter(partnership=partnership, ended_at__isnull=True).count()
    return [
        (
            _("connection costs paid by the partner, which return to each organisation's own environment"),
            count,
        )
    ]


@receiver(partnership_ended)
def return_cost_allocations(
    sender: Any, partnership: Partnership, acting_user: Any = None, **kwargs: Any
) -> None:
    cost_allocations_return_for_partnership(partnership=partnership, acting_user=acting_user)
