import factory

from apps.teams import roles
from apps.teams.models import Invitation, Membership, Team
from apps.users.tests.factories import UserFactory


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """`roles` names the role groups to give, e.g. MembershipFactory(roles=["Chat Viewer"])."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.groups.set(roles.role_groups(extracted if extracted is not None else [roles.SUPER_ADMIN]))


class TeamWithUsersFactory(TeamFactory):
    """A team with an admin (Super Admin) and a member (Chatbot Admin)."""

    @factory.post_generation
    def users(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            MembershipFactory(team=obj, roles=[roles.SUPER_ADMIN])
            MembershipFactory(team=obj, roles=[roles.CHATBOT_ADMIN])


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    team = factory.SubFactory(TeamFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
