import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.broker import ensure_embedded_broker  # noqa: E402  (after django setup)
from config.embedded_postgres import ensure_embedded_database  # noqa: E402

ensure_embedded_database()  # on the embedded default, start PostgreSQL (importing the settings does not)
ensure_embedded_broker()  # the web process queues tasks: on the embedded default, start the broker
