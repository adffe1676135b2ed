"""How the OpenAPI schema documents the connection key authentication."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ConnectionKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ConnectionKeyAuthentication"
    name = "connectionKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": (
                "HTTP Basic authentication with the connection key: the app key (pk_...) as user "
                "name and the secret (sk_...) as password. Retrieve them in the portal under "
                "Organisation > Connections. A revoked or regenerated key, or one issued under a "
                "partnership that has ended, is refused with 401. Requests are rate limited per "
                "key (429) to the plan's requests per minute."
            ),
        }
