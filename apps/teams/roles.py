"""Team roles. A role is a Django `Group`; a member's roles are the groups on their `Membership`,
so permissions are checked per team. Each role claims permissions by app label and action; apps
that are added later join the roles that name them, the next time `migrate` runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

# App labels that hold team data. Apps that don't exist yet are simply absent from the database.
CHATBOT_APPS = (
    "experiments",
    "pipelines",
    "channels",
    "chat",
    "participants",
    "documents",
    "files",
    "custom_actions",
    "mcp_integrations",
    "service_providers",
    "trace",
)
TEAM_APPS = ("teams", "api")


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    grants: tuple[tuple[str, tuple[str, ...]], ...]  # (app label, actions)


SUPER_ADMIN = "Super Admin"
TEAM_ADMIN = "Team Admin"
CHATBOT_ADMIN = "Chatbot Admin"
CHAT_VIEWER = "Chat Viewer"
EVENT_ADMIN = "Event Admin"
EVALUATION_ADMIN = "Evaluation Admin"
ANNOTATION_REVIEWER = "Annotation Reviewer"

ROLES: dict[str, Role] = {
    role.name: role
    for role in [
        Role(
            SUPER_ADMIN,
            "Everything in the team, including members and billing-relevant settings.",
            tuple((app, ALL) for app in (*TEAM_APPS, *CHATBOT_APPS, "events", "evaluations", "annotations")),
        ),
        Role(
            TEAM_ADMIN,
            "Manages the team: name, members, invitations, roles and API keys.",
            tuple((a, ALL) for a in TEAM_APPS),
        ),
        Role(
            CHATBOT_ADMIN,
            "Builds, versions and deploys chatbots, pipelines, collections and providers.",
            (*((app, ALL) for app in CHATBOT_APPS), ("events", VIEW), ("teams", VIEW)),
        ),
        Role(
            CHAT_VIEWER,
            "Reads chatbots, sessions, transcripts and participants.",
            (("experiments", VIEW), ("chat", VIEW), ("participants", VIEW), ("trace", VIEW), ("teams", VIEW)),
        ),
        Role(EVENT_ADMIN, "Manages reminders, scheduled messages and triggers.", (("events", ALL), ("teams", VIEW))),
        Role(
            EVALUATION_ADMIN,
            "Creates datasets and evaluators, runs evaluations and reads their results.",
            (("evaluations", ALL), ("experiments", VIEW), ("chat", VIEW), ("teams", VIEW)),
        ),
        Role(
            ANNOTATION_REVIEWER,
            "Reviews and annotates transcripts.",
            (("annotations", ALL), ("chat", VIEW), ("experiments", VIEW), ("teams", VIEW)),
        ),
    ]
}

# The roles a team's creator and a default invitee receive.
CREATOR_ROLES = (SUPER_ADMIN,)
DEFAULT_INVITEE_ROLES = (CHATBOT_ADMIN,)
# Who may manage members; a team must always keep at least one member holding it.
MANAGE_MEMBERS_PERMISSION = "teams.change_membership"


def grants(role: Role, app_label: str, codename: str) -> bool:
    """Whether `role` holds the permission `app_label.codename` (codenames are `<action>_<model>`)."""
    action = codename.partition("_")[0]
    return any(app == app_label and action in actions for app, actions in role.grants)


def sync_role_groups(using: str = "default") -> None:
    """Create the role groups and set their permissions to exactly what the roles grant. A few queries
    whatever the number of roles and apps: it runs after every migrate, and after every flush of the
    database between transactional tests."""
    through = Group.permissions.through
    with transaction.atomic(using=using):
        groups = {group.name: group for group in Group.objects.using(using).filter(name__in=list(ROLES))}
        missing = [Group(name=name) for name in ROLES if name not in groups]
        groups.update({group.name: group for group in Group.objects.using(using).bulk_create(missing)})
        permissions = Permission.objects.using(using).values_list("pk", "content_type__app_label", "codename")
        wanted = {
            (groups[role.name].pk, pk)
            for pk, app_label, codename in permissions
            for role in ROLES.values()
            if grants(role, app_label, codename)
        }
        held = {
            (group_id, permission_id): pk
            for pk, group_id, permission_id in through.objects.using(using)
            .filter(group__in=groups.values())
            .values_list("pk", "group_id", "permission_id")
        }
        through.objects.using(using).filter(pk__in=[pk for pair, pk in held.items() if pair not in wanted]).delete()
        through.objects.using(using).bulk_create(
            [
                through(group_id=group_id, permission_id=permission_id)
                for group_id, permission_id in wanted - held.keys()
            ]
        )


def role_groups(names) -> list[Group]:
    return list(Group.objects.filter(name__in=list(names)))
