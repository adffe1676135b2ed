"""Demo data for `make run`: an accounting firm on the Basic plan and three of its clients.

Idempotent: whatever already exists (matched by email address, environment name and KvK number)
is left as it is, so running it twice changes nothing. Everything is made through the real
services, as if the people had signed up and set up their environments themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import EnvironmentRole, User
from accounts.services import user_set_relationship_manager, user_signup_with_environment
from environments.models import Environment, Organisation, OrganisationMembership, OrganisationRole, Plan
from environments.services import membership_grant, organisation_create, subscription_change_plan

DEMO_PASSWORD = "demo-portal-2025"


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: int = EnvironmentRole.BASIC_USER
    is_relationship_manager: bool = False
    organisation_role: int | None = None  # on the environment's first organisation


@dataclass(frozen=True)
class DemoEnvironment:
    name: str
    kvk_number: str
    plan_code: str
    administrator: DemoUser
    organisations: tuple[tuple[str, str], ...]  # (name, KvK number)
    colleagues: tuple[DemoUser, ...] = ()


FIRM = DemoEnvironment(
    name="Demo Accountants B.V.",
    kvk_number="68750110",
    plan_code="basic",
    administrator=DemoUser(
        "admin@demo-accountants.example", "Anna", "de Vries", EnvironmentRole.ADMINISTRATOR
    ),
    organisations=(("Demo Accountants B.V.", "68750110"),),
    colleagues=(
        DemoUser(
            "advisor@demo-accountants.example",
            "Bram",
            "Jansen",
            EnvironmentRole.ADVANCED_USER,
            is_relationship_manager=True,
            organisation_role=OrganisationRole.ADMINISTRATOR,
        ),
        DemoUser(
            "assistant@demo-accountants.example",
            "Carla",
            "Bakker",
            EnvironmentRole.BASIC_USER,
            organisation_role=OrganisationRole.MEMBER,
        ),
    ),
)

CLIENTS = (
    DemoEnvironment(
        name="Bakkerij Van Dam",
        kvk_number="34217589",
        plan_code="invoice-portal",
        administrator=DemoUser(
            "owner@bakkerij-vandam.example", "Jan", "van Dam", EnvironmentRole.ADMINISTRATOR
        ),
        organisations=(("Bakkerij Van Dam B.V.", "34217589"),),
    ),
    DemoEnvironment(
        name="Installatiebedrijf Smit",
        kvk_number="27364518",
        plan_code="invoice-portal",
        administrator=DemoUser(
            "finance@smit-installaties.example", "Petra", "Smit", EnvironmentRole.ADMINISTRATOR
        ),
        organisations=(("Smit Installaties B.V.", "27364518"), ("Smit Onderhoud B.V.", "27364526")),
    ),
    DemoEnvironment(
        name="Studio Mulder",
        kvk_number="81234567",
        plan_code="invoice-portal",
        administrator=DemoUser(
            "hello@studiomulder.example", "Lotte", "Mulder", EnvironmentRole.ADMINISTRATOR
        ),
        organisations=(("Studio Mulder", "81234567"),),
    ),
)

ROLE_DESCRIPTIONS = {
    EnvironmentRole.ADMINISTRATOR: "administrator",
    EnvironmentRole.ADVANCED_USER: "advanced user",
    EnvironmentRole.BASIC_USER: "basic user",
}


def _verified_email(user: User) -> None:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _administrator_with_environment(demo: DemoEnvironment) -> tuple[User, bool]:
    """The environment's first administrator: signed up, which creates the environment."""
    existing = User.objects.select_related("environment").filter(email=demo.administrator.email).first()
    if existing is not None:
        return existing, False
    user = User(
        email=demo.administrator.email,
        first_name=demo.administrator.first_name,
        last_name=demo.administrator.last_name,
    )
    user.set_password(DEMO_PASSWORD)
    user = user_signup_with_environment(user=user, company_name=demo.name, company_kvk_number=demo.kvk_number)
    _verified_email(user)
    return user, True


def _colleague(demo: DemoUser, *, environment: Environment, administrator: User) -> tuple[User, bool]:
    existing = User.objects.filter(email=demo.email).first()
    if existing is not None:
        return existing, False
    # As an accepted invitation would make them: a verified address in the inviting environment.
    user = User.objects.create_user(
        demo.email,
        DEMO_PASSWORD,
        first_name=demo.first_name,
        last_name=demo.last_name,
        environment=environment,
        role=demo.role,
    )
    _verified_email(user)
    if demo.is_relationship_manager:
        user = user_set_relationship_manager(
            user=user, is_relationship_manager=True, acting_user=administrator
        )
    return user, True


def _working_relationship() -> bool:
    """The firm already works for its first client, as an accepted authorisation request leaves
    it: an active partnership, the advisor administering the client's organisation, the firm
    paying for its connection and a couple of invoices. True when anything was created."""
    from billing.services import cost_allocation_assign
    from connections.services import connection_create
    from documents.invoice_data import InvoiceData, LineData
    from documents.models import Invoice
    from documents.services import invoice_create_draft, invoice_send
    from partners.models import PartnershipOrigin
    from partners.services import partnership_establish

    firm_admin = User.objects.get(email=FIRM.administrator.email)
    client_admin = User.objects.get(email=CLIENTS[0].administrator.email)
    advisor = User.objects.get(email=FIRM.colleagues[0].email)
    bakery = Organisation.objects.get(
        environment=client_admin.home, kvk_number=CLIENTS[0].organisations[0][1]
    )
    if OrganisationMembership.objects.filter(user=advisor, organisation=bakery).exists():
        return False
    partnership, _created = partnership_establish(
        environment=client_admin.home,
        other_environment=firm_admin.home,
        origin=PartnershipOrigin.AUTHORISATION_REQUEST,
        acting_user=client_admin,
    )
    membership_grant(
        organisation=bakery, user=advisor, role=OrganisationRole.ADMINISTRATOR, acting_user=client_admin
    )
    connection = connection_create(organisation=bakery, acting_user=client_admin, package="exact_online")
    connection.delegated_to = advisor
    connection.save(update_fields=["delegated_to"])
    cost_allocation_assign(
        organisation=bakery, payer=firm_admin.home, partnership=partnership, acting_user=client_admin
    )
    installer = Organisation.objects.get(kvk_number=CLIENTS[1].organisations[0][1])
    today = timezone.localdate()
    for number, description, amount, send in (
        ("VD-2026-001", "Broodjes voor de personeelslunch", Decimal("182.50"), True),
        ("VD-2026-002", "Taarten voor het jubileum", Decimal("96.00"), False),
    ):
        if Invoice.objects.filter(organisation=bakery, number=number).exists():
            continue
        invoice = invoice_create_draft(
            organisation=bakery,
            acting_user=advisor,
            data=InvoiceData(
                number=number,
                issue_date=today,
                due_date=today + timedelta(days=30),
                counterparty_name=installer.name,
                counterparty_peppol_id=installer.peppol_id,
                lines=(LineData(description, Decimal("1"), amount, Decimal("9")),),
            ),
        )
        if send:
            invoice_send(invoice=invoice, acting_user=advisor)
    return True


class Command(BaseCommand):
    help = "Load the demo accounting firm and its clients (safe to run again) and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            created = [self._environment(demo) for demo in (FIRM, *CLIENTS)]
            created.append(_working_relationship())
        if any(created):
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present: nothing changed.")
        self._print_logins()

    def _environment(self, demo: DemoEnvironment) -> bool:
        """Make what is missing of one demo environment; True when anything was created."""
        administrator, changed = _administrator_with_environment(demo)
        environment = administrator.home
        if changed and environment.plan.code != demo.plan_code:
            subscription_change_plan(
                environment=environment,
                plan=Plan.objects.get(code=demo.plan_code),
                acting_user=administrator,
            )
        for name, kvk_number in demo.organisations:
            if not Organisation.objects.filter(environment=environment, kvk_number=kvk_number).exists():
                organisation_create(
                    environment=environment, acting_user=administrator, name=name, kvk_number=kvk_number
                )
                changed = True
        first_organisation = Organisation.objects.get(
            environment=environment, kvk_number=demo.organisations[0][1]
        )
        for colleague in demo.colleagues:
            user, created = _colleague(colleague, environment=environment, administrator=administrator)
            changed = changed or created
            if (
                colleague.organisation_role is not None
                and not OrganisationMembership.objects.filter(
                    user=user, organisation=first_organisation
                ).exists()
            ):
                membership_grant(
                    organisation=first_organisation,
                    user=user,
                    role=colleague.organisation_role,
                    acting_user=administrator,
                )
                changed = True
        return changed

    def _print_logins(self) -> None:
        plan_names = dict(Plan.objects.values_list("code", "name"))
        rows = []
        for demo in (FIRM, *CLIENTS):
            for person in (demo.administrator, *demo.colleagues):
                role = ROLE_DESCRIPTIONS[EnvironmentRole(person.role)]
                if person.is_relationship_manager:
                    role += ", relationship manager"
                rows.append((person.email, role, f"{demo.name} ({plan_names[demo.plan_code]})"))
        headers = ("Email", "Role", "Environment (plan)")
        widths = [max(len(row[column]) for row in (headers, *rows)) for column in range(3)]

        def line(cells: Sequence[str]) -> str:
            return (
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            ).rstrip()

        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password for every one: {DEMO_PASSWORD})")
        )
        self.stdout.write(line(headers))
        self.stdout.write(line(["-" * width for width in widths]))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
