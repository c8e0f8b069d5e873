from django import forms
from django.contrib.auth.models import Group

from apps.teams.roles import ROLES


def role_choices_field(**kwargs) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Group.objects.filter(name__in=list(ROLES)).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label="Roles",
        **kwargs,
    )


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the team a name.")
        return name


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    groups = None  # set in __init__ so the queryset is read at request time

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"] = role_choices_field(required=False, help_text="Leave empty for Chatbot Admin.")


class MembershipRolesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"] = role_choices_field(
            required=True, error_messages={"required": "A member needs at least one role."}
        )
