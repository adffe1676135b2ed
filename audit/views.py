from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from accounts.models import AuthenticatedHttpRequest, EnvironmentRole
from audit.models import audit_action_label
from audit.selectors import audit_actions_for, audit_events_for
from environments.permissions import require_role

PAGE_SIZE = 50


@login_required
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Settings > Audit log: administrators see every event that concerns their environment."""
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    actions = audit_actions_for(environment=environment)
    action = request.GET.get("action", "")
    if action not in actions:
        action = ""
    page = Paginator(audit_events_for(environment=environment, action=action), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "environment": environment,
        "action": action,
        "actions": [(code, audit_action_label(code)) for code in actions],
    }
    return render(request, "audit/event_list.html", context)
