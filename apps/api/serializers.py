from rest_framework import serializers

from apps.utils import storable


class JsonObjectField(serializers.DictField):
    """A JSON object to store in a jsonb column (session state): refused with a field error, not a
    database error, when PostgreSQL could not store it."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            # The parser has checked a JSON body already; this is for a value from anywhere else.
            storable.check_json(value)
        except storable.Unstorable as error:
            raise serializers.ValidationError(
                {error.field: [error.message]} if error.field else error.message
            ) from None
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
