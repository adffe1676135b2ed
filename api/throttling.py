from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from connections.models import ConnectionKey


class ConnectionKeyRateThrottle(SimpleRateThrottle):
    """Requests per minute per connection key, as many as the plan of the organisation's
    environment allows. The history lives in the default cache (Redis), shared by every process."""

    scope = "connection_key"

    def __init__(self) -> None:
        # The rate depends on the key's plan, so it is set per request in allow_request.
        self.rate: str | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ConnectionKey):
            return True
        per_minute = key.connection.organisation.environment.plan.api_requests_per_minute
        self.rate = f"{per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = request.auth
        if not isinstance(key, ConnectionKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}
