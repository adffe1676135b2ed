"""Transactional tests end with a flush of every table; the plans (a data migration) come back."""

from __future__ import annotations

import pytest

from environments.models import Plan

SEEDED_PLANS = ["invoice-portal", "basic", "professional", "enterprise"]


@pytest.mark.django_db(transaction=True)
def test_first_transactional_test_sees_the_seeded_plans() -> None:
    assert list(Plan.objects.order_by("sort_order").values_list("code", flat=True)) == SEEDED_PLANS


@pytest.mark.django_db(transaction=True)
def test_next_transactional_test_still_sees_the_seeded_plans() -> None:
    assert list(Plan.objects.order_by("sort_order").values_list("code", flat=True)) == SEEDED_PLANS
    assert Plan.objects.get(is_default=True).code == "invoice-portal"
