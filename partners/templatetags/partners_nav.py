from __future__ import annotations

from typing import Any

from django import template

from partners.selectors import environment_has_partnerships

register = template.Library()


@register.simple_tag(takes_context=True)
def partners_nav_visible(context: dict[str, Any]) -> bool:
    """The Partners group shows when the plan has partnerships, or when the environment has any
    partnership (a downgraded environment still sees and can end its partnerships)."""
    environment = context.get("current_environment")
    if environment is None:
        return False
    if environment.plan.has_partnerships:
        return True
    return environment_has_partnerships(environment_id=environment.pk)
