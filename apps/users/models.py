from django.contrib.auth.models import AbstractUser
from django.db import models


class CustomUser(AbstractUser):
    """A person who signs in. Team membership and roles live on `apps.teams.models.Membership`."""

    email = models.EmailField("email address", unique=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.username
