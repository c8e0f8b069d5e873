from rest_framework import serializers


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
