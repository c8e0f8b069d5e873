"""What an OpenAI chat message says: its text (text parts joined with a space, as OpenAI reads them)
and its images, given as `image_url` parts holding a base64 data URL (ADR 0026).

Remote image URLs (http, https) are refused: fetching them would make every API call a request to
an address the caller chooses, from inside our network, and keep the request open while a stranger's
server answers. A client that has the image sends its bytes.

Images are checked here, before anything is stored: the data URL's type must be an image a vision
model takes (PNG, JPEG, GIF, WebP), the bytes must be that kind of image by their signature
(`apps.files.content_types`), and each must be small enough to be sent to a model."""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass, field

from rest_framework.exceptions import ValidationError

from apps.files import content_types
from apps.pipelines.nodes.llm_common import MAX_IMAGE_BYTES, MAX_IMAGES

# data:[<type>][;param=value]*;base64,<data> (RFC 2397); only base64 data URLs carry image bytes.
DATA_URL = re.compile(r"data:(?P<type>[\w.+-]+/[\w.+-]+)(?:;[\w.+-]+=[^;,]*)*;base64,(?P<data>.*)", re.DOTALL)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
TEXT_ONLY = "Only text messages are supported"


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str  # from the bytes
    name: str  # what the stored file is called: image-<message>-<part>.<extension>


@dataclass
class MessageContent:
    text: str
    images: list[Image] = field(default_factory=list)


def read_content(content, index: int) -> MessageContent:
    """The text and images of `messages[index].content`; a ValidationError naming the part at fault."""
    if isinstance(content, str):
        return MessageContent(content)
    if not isinstance(content, list):
        raise ValidationError({f"messages[{index}].content": ["Message content must be text or a list of parts"]})
    read = MessageContent("")
    texts = []
    for number, part in enumerate(content):
        field_name = f"messages[{index}].content[{number}]"
        kind = part.get("type", "text") if isinstance(part, dict) else None
        if kind == "image_url":
            read.images.append(_image(part.get("image_url"), f"{field_name}.image_url", f"{index}-{number}"))
            continue
        if kind is not None and kind != "text":
            raise ValidationError({field_name: [TEXT_ONLY + " and images (image_url parts)"]})
        text = part.get("text", "") if isinstance(part, dict) else None
        if not isinstance(text, str):
            field_name += ".text" if isinstance(part, dict) else ""
            raise ValidationError({field_name: ["A content part is an object whose text is a string"]})
        texts.append(text)
    if len(read.images) > MAX_IMAGES:
        raise ValidationError({f"messages[{index}].content": [f"At most {MAX_IMAGES} images are accepted a message"]})
    read.text = " ".join(texts)
    return read


def _image(image_url, field_name: str, label: str) -> Image:
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str):
        raise ValidationError({field_name: ["An image_url part is an object with a url"]})
    if url[:8].lower().startswith(("http://", "https://")):
        raise ValidationError(
            {f"{field_name}.url": ["Images are accepted as base64 data URLs (data:image/png;base64,…), not links"]}
        )
    match = DATA_URL.fullmatch(url.strip())
    if match is None:
        raise ValidationError({f"{field_name}.url": ["Not a base64 data URL (data:image/png;base64,…)"]})
    claimed = content_types.normalise(match["type"])
    if not content_types.is_image(claimed):
        raise ValidationError(
            {f"{field_name}.url": [f"{claimed} is not an image type a model takes: PNG, JPEG, GIF, WebP"]}
        )
    encoded = match["data"]
    if len(encoded) > (MAX_IMAGE_BYTES + 2) // 3 * 4 + 4:  # before decoding a byte of it
        raise ValidationError({f"{field_name}.url": [f"An image may be at most {MAX_IMAGE_BYTES / 1e6:.2f} MB"]})
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({f"{field_name}.url": ["The data URL's base64 is not valid"]}) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError({f"{field_name}.url": [f"An image may be at most {MAX_IMAGE_BYTES / 1e6:.2f} MB"]})
    name = f"image-{label}.{EXTENSIONS[claimed]}"
    found = content_types.detect(name, claimed, data[: content_types.SNIFF_BYTES], io.BytesIO(data))
    if found is None or not content_types.is_image(found):
        raise ValidationError({f"{field_name}.url": [f"The bytes are not an image of type {claimed}"]})
    return Image(data, found, f"image-{label}.{EXTENSIONS[found]}")
