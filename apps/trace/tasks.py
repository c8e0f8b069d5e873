import logging

from celery import shared_task

from apps.service_providers.errors import ProviderError
from apps.trace import export

logger = logging.getLogger(__name__)
TRACE_WAIT_RETRIES = 3


@shared_task(bind=True, max_retries=5, acks_late=True, ignore_result=True)
def export_trace_to_provider(self, *, trace_id: int, provider_id: int, waits: int = 0) -> None:
    """Send a stored trace to a chatbot's trace provider (queued by the bot runtime). Safe to retry:
    the provider receives the same ids again. Transient failures (rate limit, 5xx, timeout) retry
    with backoff; anything else, or the last retry, is logged and dropped. A trace not written yet
    (the writer stores chat replies' traces just after the reply) is waited for apart from those."""
    provider_attempts = self.request.retries - waits
    try:
        export.export_trace(trace_id=trace_id, provider_id=provider_id)
    except export.TraceNotStored as error:
        if waits < TRACE_WAIT_RETRIES:
            kwargs = {"trace_id": trace_id, "provider_id": provider_id, "waits": waits + 1}
            raise self.retry(exc=error, kwargs=kwargs, countdown=2, max_retries=self.request.retries + 1) from error
        logger.info("Trace export skipped: trace %s was not stored", trace_id)
    except ProviderError as error:
        if error.retryable and provider_attempts < self.max_retries:
            raise self.retry(
                exc=error, countdown=export.retry_delay(provider_attempts), max_retries=self.request.retries + 1
            ) from error
        logger.warning(
            "Trace %s was not exported to trace provider %s after %d attempts: %s",
            trace_id,
            provider_id,
            provider_attempts + 1,
            error,
        )
    except Exception:  # noqa: BLE001 - a bug here must not loop or reach the caller
        logger.exception("Trace %s: export to trace provider %s failed unexpectedly", trace_id, provider_id)
