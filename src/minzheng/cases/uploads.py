"""Checks on uploaded evidence: size within the configured limit, and a type we accept whose
content matches its name (a renamed executable is refused, not stored)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError

# Accepted kinds: extension -> (content type, how the file's first bytes look).
_PDF = (b"%PDF-",)
_JPEG = (b"\xff\xd8\xff",)
_PNG = (b"\x89PNG\r\n\x1a\n",)
_ZIP = (b"PK\x03\x04",)  # docx / xlsx are zip containers
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # doc / xls

ACCEPTED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", _PDF),
    ".jpg": ("image/jpeg", _JPEG),
    ".jpeg": ("image/jpeg", _JPEG),
    ".png": ("image/png", _PNG),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
}
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
ACCEPT_ATTR = ",".join(ACCEPTED)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: its clean name, content type, size and SHA-256."""

    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload: Any, *, max_mb: int, images_only: bool = False) -> CheckedFile:
    """Check ``upload`` (a Django ``UploadedFile``); a Chinese ``ValidationError`` says why not."""
    name = PurePath(str(getattr(upload, "name", "") or "")).name[:200]
    extension = PurePath(name).suffix.lower()
    allowed = IMAGE_EXTENSIONS if images_only else tuple(ACCEPTED)
    if extension not in allowed:
        kinds = "、".join(e.lstrip(".") for e in allowed)
        raise ValidationError(f"文件“{name}”的类型不能上传，只接受：{kinds}。")
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise ValidationError(f"文件“{name}”是空文件。")
    if size > max_mb * 1024 * 1024:
        raise ValidationError(f"文件“{name}”超过 {max_mb} MB，请压缩后再上传。")
    content_type, magics = ACCEPTED[extension]
    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError(f"文件“{name}”的内容与扩展名不符，请上传原始文件。")
    return CheckedFile(name=name, content_type=content_type, size=size, sha256=digest.hexdigest())
