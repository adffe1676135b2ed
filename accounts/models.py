from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class EnvironmentRole(models.IntegerChoices):
    """Ordered, with gaps, so that "at least advanced user" is a comparison."""

    BASIC_USER = 10, _("Basic user")
    ADVANCED_USER = 20, _("Advanced user")
    ADMINISTRATOR = 30, _("Administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person with a login. Belongs to exactly one environment (platform staff may have none)."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    environment = models.ForeignKey(
        "environments.Environment",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("The user's home environment. Empty only for platform staff."),
    )
    role = models.PositiveSmallIntegerField(
        choices=EnvironmentRole.choices, default=EnvironmentRole.BASIC_USER
    )
    is_relationship_manager = models.BooleanField(
        _("relationship manager"),
        default=False,
        help_text=_("Coordinates partnerships. Only advanced users and administrators."),
    )

    session_generation = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Raised to end every session of the user at once (on deactivation)."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_relationship_manager=False)
                | models.Q(role__gte=EnvironmentRole.ADVANCED_USER),
                name="relationship_manager_is_at_least_advanced_user",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django signs each session with a hash of the password; mixing in the session
        generation lets user_deactivate invalidate every session, so that none comes back to
        life on reactivation. Generation 0 keeps Django's own hash."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}|{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        return full or self.email

    @property
    def home(self) -> Environment:
        """The user's environment; only platform staff have none, and they never reach here."""
        if self.environment is None:
            raise ValueError("platform staff have no home environment")
        return self.environment

    @property
    def is_environment_administrator(self) -> bool:
        return self.environment_id is not None and self.role >= EnvironmentRole.ADMINISTRATOR

    @property
    def is_at_least_advanced(self) -> bool:
        return self.environment_id is not None and self.role >= EnvironmentRole.ADVANCED_USER


class Invitation(models.Model):
    """An administrator's invitation for a colleague to join the environment as a basic user.

    Only a SHA-256 hash of the emailed token is stored; the token itself is never kept.
    """

    environment = models.ForeignKey(
        "environments.Environment", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email_per_environment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.environment_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"


if TYPE_CHECKING:
    from django.http import HttpRequest

    from environments.models import Environment

    class AuthenticatedHttpRequest(HttpRequest):
        """What a view behind login_required receives (django-stubs' recommended pattern)."""

        user: User
else:
    from django.http import HttpRequest as AuthenticatedHttpRequest  # noqa: F401
