"""`python -m gateway.cli.model download|verify|path`: the GGUF in LOCAL_MODEL_PATH, fetched from the Hub and SHA-256 checked."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from tqdm import tqdm

from common.settings import Settings, get_settings

_CHUNK = 8 * 2**20
QUARANTINE_SUFFIX = ".sha256-mismatch"


class ModelError(Exception):
    """A problem the user must act on; the message says what to do."""


def model_file(settings: Settings) -> Path:
    return Path(settings.stack.local_model_path).expanduser() / settings.stack.hf_file


def sha256_of(path: Path, progress: bool = True) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh, tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                                      desc=f"SHA-256 {path.name}", disable=None if progress else True) as bar:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def _stamped_ok(path: Path, expected: str) -> bool:
    """Hashing 13 GB takes a minute: trust an earlier check while size and mtime are unchanged."""
    try:
        return _stamp(path).read_text().strip().split(maxsplit=1) == [expected, _fingerprint(path)]
    except (OSError, ValueError):
        return False


def verify(path: Path, expected: str, progress: bool = True) -> str:
    """Check `path` against `expected` (hex SHA-256); a mismatching file is moved aside and ModelError raised."""
    if not path.is_file():
        raise ModelError(f"{path} does not exist; fetch it with `.venv/bin/python -m gateway.cli.model download`")
    expected = expected.strip().lower()
    if not expected:
        return f"{path}: present (HF_FILE_SHA256 is empty, so it was not checked)"
    if _stamped_ok(path, expected):
        return f"{path}: SHA-256 OK (checked before, file unchanged)"
    actual = sha256_of(path, progress)
    if actual == expected:
        _stamp(path).write_text(f"{expected} {_fingerprint(path)}\n")
        return f"{path}: SHA-256 OK"
    quarantined = path.with_name(path.name + QUARANTINE_SUFFIX)
    os.replace(path, quarantined)
    _stamp(path).unlink(missing_ok=True)
    raise ModelError(
        f"SHA-256 mismatch for {path}: expected {expected}, got {actual}. The file is corrupt or not the one "
        f"HF_FILE_SHA256 describes; it was moved to {quarantined} (delete it to free the space). "
        "Fetch it again with `.venv/bin/python -m gateway.cli.model download`, or, if you chose another HF_FILE, "
        "set HF_FILE_SHA256 to that file's hash."
    )


def download(repo: str, filename: str, dest_dir: Path, expected: str, endpoint: str | None = None) -> str:
    """Fetch `filename` from the Hub repo `repo` into `dest_dir` (resuming a partial download), then verify it."""
    # Imported here: huggingface_hub takes a second to import, and `verify` runs at every start.
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    target = dest_dir / filename
    if target.is_file():
        try:
            return verify(target, expected)
        except ModelError as exc:
            print(f"model: {exc}", file=sys.stderr)
            print("model: downloading a fresh copy", file=sys.stderr)
    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        hf_hub_download(repo_id=repo, filename=filename, local_dir=dest_dir, endpoint=endpoint)
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"cannot download {filename} from {repo}: {reason} "
                         "(run the same command again to resume)") from None
    return verify(target, expected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.cli.model", description=__doc__)
    parser.add_argument("command", choices=("download", "verify", "path"))
    args = parser.parse_args(argv)
    settings = get_settings()
    path = model_file(settings)
    if args.command == "path":
        print(path)
        return 0 if path.is_file() else 1
    try:
        if args.command == "verify":
            print(f"model: {verify(path, settings.stack.hf_file_sha256)}")
        else:
            dest = Path(settings.stack.local_model_path).expanduser()
            print(f"model: {download(settings.stack.hf_repo, settings.stack.hf_file, dest, settings.stack.hf_file_sha256)}")
    except ModelError as exc:
        print(f"model: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
