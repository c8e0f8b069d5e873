"""Writes usage rows off the call path: a model call should not wait for its accounting insert
(see apps/utils/batch_writer.py; synchronous with `LLM_USAGE_WRITE_SYNC`, the default under pytest)."""

from __future__ import annotations

from typing import Any

from apps.utils.batch_writer import BatchWriter


def _write(rows: list[dict[str, Any]]) -> None:
    from apps.service_providers.models import LlmUsage

    LlmUsage.objects.bulk_create([LlmUsage(**row) for row in rows])


usage_writer: BatchWriter[dict[str, Any]] = BatchWriter("llm-usage-writer", _write, sync_setting="LLM_USAGE_WRITE_SYNC")


def flush_usage(timeout: float = 10.0) -> bool:
    """Wait until every usage row submitted so far is written."""
    return usage_writer.flush(timeout)
