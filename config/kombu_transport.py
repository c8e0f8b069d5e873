"""The embedded default's Celery broker: kombu's SQLAlchemy transport on our PostgreSQL, polled every
0.2 s instead of kombu's 1 s so background replies are not held back. (The stock transport passes every
transport option to `create_engine`, so the interval cannot be given as an option.) See ADR 0002."""

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqlalchemy

ALIAS = "pgsqla"


class Transport(kombu_sqlalchemy.Transport):
    polling_interval = 0.2


def register() -> None:
    TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
