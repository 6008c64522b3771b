"""Where uploads, generated documents and dossiers are kept: one interface, two places.

Every stored file is named by its place in the instance folder (``<instance>/uploads/
<name>``, ``<instance>/documents/<name>``), and every read and write goes through the
storage that the settings select:

- ``LocalStorage`` (the default): the instance folder itself; a write goes to a
  temporary file that is fsynced and renamed, so a reader sees nothing or all of it;
- ``S3Storage`` (``STORAGE_URL = "s3://bucket/prefix"``): any S3 API through boto3,
  the key being ``prefix/`` plus the place relative to the instance folder
  (``prefix/uploads/<name>``). A PUT is atomic by itself. Endpoint and region come
  from ``S3_ENDPOINT_URL`` and ``S3_REGION``; credentials from boto3's usual chain
  (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` in the environment, a profile or
  an instance role), never from the repository.

Digests are not checked here: ``tender.stored_files`` does that on every read.
``get`` raises ``FileNotFoundError`` for a file that is not there, in both places.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from flask import current_app, has_app_context

EXTENSION = "tender.storage"


class Storage(Protocol):
    def put(self, path: Path, content: bytes) -> None:
        """Store ``content`` at ``path``, atomically."""

    def get(self, path: Path) -> bytes:
        """The bytes at ``path``; ``FileNotFoundError`` when there are none."""

    def exists(self, path: Path) -> bool: ...

    def delete(self, path: Path) -> None:
        """Remove ``path``; nothing happens when it is not there."""


class LocalStorage:
    """The instance folder (or any folder a caller names)."""

    def put(self, path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        # Make the rename itself durable (POSIX; directories cannot be opened on Windows).
        if hasattr(os, "O_DIRECTORY"):
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def get(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except (IsADirectoryError, NotADirectoryError, PermissionError) as error:
            raise FileNotFoundError(str(path)) from error

    def exists(self, path: Path) -> bool:
        return path.is_file()

    def delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)


class S3Storage:
    """A bucket (and key prefix) of an S3 API, reached with boto3."""

    def __init__(self, *, root: Path, bucket: str, prefix: str = "", client: Any) -> None:
        self.root = root
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client

    def key(self, path: Path) -> str:
        """``prefix/uploads/<name>`` for ``<instance>/uploads/<name>``."""
        relative = Path(path).resolve().relative_to(self.root).as_posix()
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def put(self, path: Path, content: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(path), Body=content)

    def get(self, path: Path) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(path))
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(str(path)) from error
        return response["Body"].read()

    def exists(self, path: Path) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(path))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def delete(self, path: Path) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(path))


LOCAL = LocalStorage()


def from_settings(settings: dict[str, Any], instance_path: str) -> Storage:
    """The storage that ``STORAGE_URL`` names: empty for the instance folder, or
    ``s3://bucket/prefix``."""
    url = settings.get("STORAGE_URL") or ""
    if not url:
        return LOCAL
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(
            f"STORAGE_URL {url!r} wordt niet begrepen: laat het leeg voor de instance-map "
            "of geef 's3://bucket/prefix'."
        )
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
        region_name=settings.get("S3_REGION") or None,
    )
    return S3Storage(
        root=Path(instance_path).resolve(), bucket=parsed.netloc, prefix=parsed.path, client=client
    )


def init_app(app: Any) -> None:
    app.extensions[EXTENSION] = from_settings(app.config, app.instance_path)


def current() -> Storage:
    """The app's storage; the local folder outside an app (scripts, unit tests)."""
    if has_app_context():
        return current_app.extensions.get(EXTENSION, LOCAL)
    return LOCAL


def is_local() -> bool:
    return isinstance(current(), LocalStorage)
