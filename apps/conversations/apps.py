from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "apps.conversations"

    def ready(self) -> None:
        from celery.signals import worker_process_shutdown

        # A prefork child exits with os._exit, past the exit hook that frees its claims at once.
        worker_process_shutdown.connect(_release_claims, weak=False)


def _release_claims(**kwargs: object) -> None:
    from apps.conversations.claims import owner

    owner.release()
