"""Writes for channels."""

from __future__ import annotations

from urllib.parse import urlsplit

from apps.channels.models import ExperimentChannel
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.models import Experiment


def clean_origins(lines: list[str]) -> list[str]:
    """Origins as browsers send them: scheme://host[:port], no path."""
    origins = []
    for line in lines:
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ChatbotActionError(f"“{line}” is not an origin like https://www.example.org")
        origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return list(dict.fromkeys(origins))


def create_widget_channel(
    *,
    experiment: Experiment,
    name: str,
    allowed_origins: list[str],
    auth_level: str = ExperimentChannel.AuthLevel.EMBED_KEY,
) -> ExperimentChannel:
    return ExperimentChannel.objects.create(
        team=experiment.team,
        experiment=experiment.working,
        platform=ExperimentChannel.Platform.EMBEDDED_WIDGET,
        name=name.strip() or "Web widget",
        allowed_origins=clean_origins(allowed_origins),
        auth_level=auth_level,
    )


def set_widget_auth_level(*, channel: ExperimentChannel, auth_level: str) -> None:
    channel.auth_level = auth_level
    channel.save(update_fields=["auth_level"])


def delete_channel(*, channel: ExperimentChannel) -> None:
    channel.delete()
