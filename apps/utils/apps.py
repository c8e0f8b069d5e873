from django.apps import AppConfig


class UtilsConfig(AppConfig):
    name = "apps.utils"

    def ready(self) -> None:
        from celery.signals import worker_init, worker_process_init

        # A Celery worker writes usage and traces as they come: a prefork child never runs the
        # exit-time flush (apps/utils/batch_writer.py). worker_init covers the solo and thread pools
        # (and prefork children, forked afterwards); worker_process_init each prefork child again.
        worker_init.connect(_write_inline, weak=False)
        worker_process_init.connect(_write_inline, weak=False)


def _write_inline(**kwargs) -> None:
    from apps.utils.batch_writer import write_inline

    write_inline()
