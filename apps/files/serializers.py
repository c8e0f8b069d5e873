from rest_framework import serializers

from apps.files.models import File


# The reference API's `UploadedFile`, field for field.
class UploadedFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()


def uploaded_files_body(files: list[File]) -> dict:
    """The body of a successful upload (the reference's `ChatUploadFileResponse`)."""
    return {"files": UploadedFileSerializer(files, many=True).data}
