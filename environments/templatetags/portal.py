from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (keeps filters while paginating)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return str(query.urlencode())


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """A dictionary value by a key held in a variable (Django templates cannot do that alone)."""
    return mapping.get(key)
