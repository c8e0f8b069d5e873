from typing import Any

from rest_framework import serializers


def storable_in_jsonb(value: Any) -> bool:
    """PostgreSQL's jsonb takes no NUL character and no unpaired surrogate in any string. Walked with
    a stack, not recursion: a client may nest as deep as it likes."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class JsonObjectField(serializers.DictField):
    """A JSON object to store in a jsonb column (session state): refused with a field error, not a
    database error, when PostgreSQL could not store it."""

    default_error_messages = {"unstorable": "Text may not contain NUL characters or unpaired surrogates."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not storable_in_jsonb(value):
            self.fail("unstorable")
        return value


class ApiMessageSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="The participant's message", trim_whitespace=False)
    session = serializers.CharField(required=False, allow_blank=True, help_text="Continue this session")
    message_id = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Optional idempotency key: a retry with the same id is not answered twice",
    )


class ApiResponseAttachmentSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    link = serializers.CharField()


class ApiResponseMessageSerializer(serializers.Serializer):
    response = serializers.CharField()
    attachments = ApiResponseAttachmentSerializer(many=True)
    session = serializers.CharField(help_text="The session id, to continue the conversation")
