"""Model download and SHA-256 check against a local mirror of the Hub's resolve endpoint (no network)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway.cli import model
from gateway.cli.model import QUARANTINE_SUFFIX, ModelError, download, verify

REPO = "VRDate/tiny-test-GGUF"
FILE = "tiny.gguf"
CONTENT = b"GGUF" + bytes(range(256)) * 4096  # ~1 MB
GOOD = hashlib.sha256(CONTENT).hexdigest()


@dataclass
class Mirror:
    """Serves `files` under /{repo}/resolve/main/{name} like the Hub; can cut the first GET short."""

    files: dict[str, bytes]
    cut_first_get_at: int = 0
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    endpoint: str = ""


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    state = Mirror(files={f"/{REPO}/resolve/main/{FILE}": CONTENT})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def _headers(self, body: bytes, status: int, length: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(length))
            self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()}"')
            self.send_header("X-Repo-Commit", "0" * 40)
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()

        def _find(self) -> bytes | None:
            body = state.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
            return body

        def do_HEAD(self) -> None:
            state.requests.append(("HEAD", self.path, ""))
            body = self._find()
            if body is not None:
                self._headers(body, 200, len(body))

        def do_GET(self) -> None:
            ranged = self.headers.get("Range", "")
            state.requests.append(("GET", self.path, ranged))
            body = self._find()
            if body is None:
                return
            start = int(ranged.split("=")[1].split("-")[0]) if ranged else 0
            self._headers(body, 206 if ranged else 200, len(body) - start)
            if state.cut_first_get_at and sum(r[0] == "GET" for r in state.requests) == 1:
                self.wfile.write(body[: state.cut_first_get_at])
                self.close_connection = True
                return
            self.wfile.write(body[start:])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_download_good_file_passes(mirror: Mirror, tmp_path: Path) -> None:
    message = download(REPO, FILE, tmp_path, GOOD, endpoint=mirror.endpoint)
    assert message == f"{tmp_path / FILE}: SHA-256 OK"
    assert (tmp_path / FILE).read_bytes() == CONTENT


def test_interrupted_download_resumes(mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)  # so part of the 1 MB reaches the disk
    mirror.cut_first_get_at = 4 * 64 * 1024
    download(REPO, FILE, tmp_path, GOOD, endpoint=mirror.endpoint)
    assert (tmp_path / FILE).read_bytes() == CONTENT
    gets = [r for r in mirror.requests if r[0] == "GET"]
    assert [g[2] for g in gets] == ["", "bytes=262144-"]  # picked up where the cut left off


def test_corrupted_download_is_rejected_and_quarantined(mirror: Mirror, tmp_path: Path) -> None:
    mirror.files[f"/{REPO}/resolve/main/{FILE}"] = CONTENT[:-1] + b"X"
    with pytest.raises(ModelError) as err:
        download(REPO, FILE, tmp_path, GOOD, endpoint=mirror.endpoint)
    message = str(err.value)
    assert message.startswith(f"SHA-256 mismatch for {tmp_path / FILE}: expected {GOOD}, got ")
    assert f"moved to {tmp_path / FILE}{QUARANTINE_SUFFIX}" in message
    assert not (tmp_path / FILE).exists()
    assert (tmp_path / (FILE + QUARANTINE_SUFFIX)).exists()


def test_existing_good_file_is_not_downloaded_again(mirror: Mirror, tmp_path: Path) -> None:
    (tmp_path / FILE).write_bytes(CONTENT)
    assert download(REPO, FILE, tmp_path, GOOD, endpoint=mirror.endpoint).endswith("SHA-256 OK")
    assert mirror.requests == []


def test_existing_corrupt_file_is_replaced_by_a_fresh_copy(mirror: Mirror, tmp_path: Path) -> None:
    (tmp_path / FILE).write_bytes(b"truncated")
    download(REPO, FILE, tmp_path, GOOD, endpoint=mirror.endpoint)
    assert (tmp_path / FILE).read_bytes() == CONTENT
    assert (tmp_path / (FILE + QUARANTINE_SUFFIX)).read_bytes() == b"truncated"


def test_missing_file_on_the_hub_is_a_clear_error(mirror: Mirror, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^cannot download nope\.gguf from VRDate/tiny-test-GGUF: "):
        download(REPO, "nope.gguf", tmp_path, GOOD, endpoint=mirror.endpoint)


def test_verify_local_file(tmp_path: Path) -> None:
    path = tmp_path / FILE
    path.write_bytes(CONTENT)
    assert verify(path, GOOD.upper(), progress=False) == f"{path}: SHA-256 OK"
    assert verify(path, GOOD, progress=False) == f"{path}: SHA-256 OK (checked before, file unchanged)"
    assert verify(path, "", progress=False).endswith("(HF_FILE_SHA256 is empty, so it was not checked)")


def test_verify_notices_a_file_changed_after_a_good_check(tmp_path: Path) -> None:
    path = tmp_path / FILE
    path.write_bytes(CONTENT)
    verify(path, GOOD, progress=False)
    path.write_bytes(CONTENT[:-1] + b"X")
    with pytest.raises(ModelError, match="SHA-256 mismatch"):
        verify(path, GOOD, progress=False)


def test_verify_missing_file_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=re.escape("does not exist; fetch it with `.venv/bin/python -m gateway.cli.model download`")):
        verify(tmp_path / FILE, GOOD)


def test_cli_verify_and_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / FILE).write_bytes(b"corrupt")
    monkeypatch.setenv("LOCAL_MODEL_PATH", str(tmp_path))
    monkeypatch.setenv("HF_FILE", FILE)
    monkeypatch.setenv("HF_FILE_SHA256", GOOD)
    model.get_settings.cache_clear()
    try:
        assert model.main(["path"]) == 0
        assert capsys.readouterr().out.strip() == str(tmp_path / FILE)
        assert model.main(["verify"]) == 1
        assert capsys.readouterr().err.startswith(f"model: SHA-256 mismatch for {tmp_path / FILE}")
        assert model.main(["path"]) == 1  # moved aside, so no longer there
    finally:
        model.get_settings.cache_clear()
