from __future__ import annotations

from decimal import Decimal

from django.db import migrations

# Plans are data: these are the platform's plans at launch; staff edit them in the admin site.
PLANS = [
    dict(code="invoice-portal", name="Invoice Portal", monthly_price=Decimal("0.00"), price_per_connection=Decimal("0.00"),
         max_organisations=2, max_users=5, api_requests_per_minute=30, has_partnerships=False,
         has_relationship_managers=False, has_authorisation_requests=False, has_bulk_authorisation_requests=False,
         is_default=True, sort_order=10),
    dict(code="basic", name="Basic", monthly_price=Decimal("29.00"), price_per_connection=Decimal("4.50"),
         max_organisations=50, max_users=25, api_requests_per_minute=60, has_partnerships=True,
         has_relationship_managers=True, has_authorisation_requests=True, has_bulk_authorisation_requests=False,
         is_default=False, sort_order=20),
    dict(code="professional", name="Professional", monthly_price=Decimal("99.00"), price_per_connection=Decimal("3.50"),
         max_organisations=1000, max_users=100, api_requests_per_minute=300, has_partnerships=True,
         has_relationship_managers=True, has_authorisation_requests=True, has_bulk_authorisation_requests=True,
         is_default=False, sort_order=30),
    dict(code="enterprise", name="Enterprise", monthly_price=Decimal("299.00"), price_per_connection=Decimal("2.50"),
         max_organisations=None, max_users=None, api_requests_per_minute=1200, has_partnerships=True,
         has_relationship_managers=True, has_authorisation_requests=True, has_bulk_authorisation_requests=True,
         is_default=False, sort_order=40),
]


def seed_plans(apps, schema_editor):
    Plan = apps.get_model("environments", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults=plan)


class Migration(migrations.Migration):
    dependencies = [("environments", "0002_initial")]
    operations = [migrations.RunPython(seed_plans, migrations.RunPython.noop)]
