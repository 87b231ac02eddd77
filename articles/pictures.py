"""Checking an uploaded picture by its content, not its name, and serving it so it can never run as a page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

MAX_PICTURE_BYTES = 5 * 1024 * 1024
MAX_PICTURE_SIDE = 6000
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class PictureInfo:
    content_type: str
    width: int
    height: int


def inspect_picture(upload) -> PictureInfo:
    """Open the file as an image and say what it really is; refuse anything that is not a plain picture."""
    if upload.size > MAX_PICTURE_BYTES:
        raise ValidationError(
            f"The picture is {upload.size // 1024:,} KB; the most is {MAX_PICTURE_BYTES // 1024:,} KB."
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError("That file is not a picture that can be shown (JPEG, PNG, GIF or WebP).") from exc
    finally:
        upload.seek(0)
    if kind not in CONTENT_TYPES:
        raise ValidationError(f"{kind} pictures are not accepted: upload a JPEG, PNG, GIF or WebP.")
    if max(width, height) > MAX_PICTURE_SIDE:
        raise ValidationError(f"The picture is {width} x {height}; the longest side may be at most {MAX_PICTURE_SIDE}.")
    return PictureInfo(CONTENT_TYPES[kind], width, height)
