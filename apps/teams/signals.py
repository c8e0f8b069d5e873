from django.dispatch import Signal

# Sent inside the creating transaction with `team` and `creator`; apps add their starter data.
team_created = Signal()
