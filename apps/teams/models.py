from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from apps.utils.models import BaseModel

INVITATION_LIFETIME = timedelta(days=7)


class Team(BaseModel):
    """The tenant. Every owned object hangs off one team."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    # Bumped with every change to the configuration a chatbot's run reads (apps.teams.config_cache).
    config_revision = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # A saved team row must never put back an older configuration revision: only
        # apps.teams.config_cache moves it, with an UPDATE of its own.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "config_revision"
            ]
        super().save(*args, **kwargs)


class TeamQuerySet(models.QuerySet):
    def for_team(self, team: Team):
        return self.filter(team=team)


class BaseTeamModel(BaseModel):
    """Base for every team-owned model: a non-null team and timestamps.
    The guard test `apps/teams/tests/test_guards.py` fails for a model of ours without one."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, verbose_name="team")

    objects = TeamQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(BaseTeamModel):
    """A user's place in a team; roles are Django groups (see `apps.teams.roles`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    groups = models.ManyToManyField(Group, blank=True, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_membership")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"

    @cached_property
    def permissions(self) -> frozenset[str]:
        from django.contrib.auth.models import Permission

        rows = (
            Permission.objects.filter(group__memberships=self)
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        return frozenset(f"{app}.{codename}" for app, codename in rows)

    def has_perm(self, perm: str) -> bool:
        return self.user.is_superuser or perm in self.permissions

    def has_perms(self, perms) -> bool:
        return all(self.has_perm(p) for p in perms)

    @property
    def role_names(self) -> list[str]:
        return sorted(g.name for g in self.groups.all())


class Invitation(BaseTeamModel):
    email = models.EmailField()
    groups = models.ManyToManyField(Group, blank=True, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="sent_invitations"
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="unique_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.team}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and not self.is_expired

    def save(self, *args, **kwargs) -> None:
        if not self.expires_at:
            self.expires_at = timezone.now() + INVITATION_LIFETIME
        super().save(*args, **kwargs)
