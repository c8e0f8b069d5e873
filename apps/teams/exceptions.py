class TeamActionError(Exception):
    """A team action refused for a reason the user should read (shown as a form or message error)."""
