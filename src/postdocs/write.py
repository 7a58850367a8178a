"""Writing generated pages: only pages that changed, only files postdocs owns.

The generator records what it wrote in a manifest. A run rewrites changed pages, removes pages of
posts that disappeared, never touches files it did not write, and refuses to overwrite a generated
page that was edited by hand. Changes are staged in a temporary folder first and moved into place
only after every page was produced, so a failed run leaves the previous pages as they were.
Media files of Desktop exports (photos, files) are owned the same way: copied next to their
pages, recorded in the manifest with their digest, removed when their post disappears.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError

MANIFEST = ".postdocs-manifest.json"


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str:
    """The digest of a file, read in chunks (media files can be large)."""
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise OutputError(f"{path}: cannot read media file: {exc.strerror}") from None
    return h.hexdigest()


def load_manifest(out: Path) -> dict[str, str]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict):
            raise ValueError
        return {str(k): str(v) for k, v in files.items()}
    except (ValueError, KeyError, TypeError):
        raise OutputError(f"{path}: manifest is damaged; delete it to start afresh") from None


def _safe_target(out: Path, rel: str) -> Path:
    target = (out / rel).resolve()
    if out.resolve() not in target.parents:
        raise OutputError(f"refusing to write outside {out}: {rel}")
    return target


def write_pages(
    out: Path, pages: dict[str, str], force: bool = False, assets: dict[str, str] | None = None
) -> WriteReport:
    """Bring `out` in line with `pages` (relative path → text) and `assets` (relative path →
    source file, copied byte for byte: media next to their pages)."""
    assets = assets or {}
    both = sorted(set(pages) & set(assets))
    if both:
        raise OutputError(f"a page and a media file both map to {both[0]}")
    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out)
    report = WriteReport()
    new_manifest: dict[str, str] = {}
    to_write: dict[str, bytes | Path] = {}
    for rel in sorted([*pages, *assets]):
        data: bytes | Path
        if rel in pages:
            data = pages[rel].encode("utf-8")
            digest = _digest(data)
        else:
            data = Path(assets[rel])
            digest = _file_digest(data)
        new_manifest[rel] = digest
        target = _safe_target(out, rel)
        if target.is_file():
            current = _file_digest(target)
            if current == digest:
                report.unchanged += 1
                continue
            if rel not in manifest:
                if not force:
                    raise OutputError(
                        f"{target}: exists and was not written by postdocs; "
                        "move it away or use --force"
                    )
            elif manifest[rel] != current and not force:
                raise OutputError(
                    f"{target}: edited by hand since postdocs wrote it; put corrections in "
                    "content/overrides.yml, or use --force to overwrite"
                )
        to_write[rel] = data
    stale = sorted(set(manifest) - set(new_manifest))
    for rel in stale:
        target = _safe_target(out, rel)
        if target.is_file() and _file_digest(target) != manifest[rel] and not force:
            raise OutputError(
                f"{target}: edited by hand, and its post is gone; move it away or use --force"
            )
    # Stage everything, then move into place.
    staging = Path(tempfile.mkdtemp(prefix=".postdocs-staging-", dir=out))
    try:
        for rel, data in to_write.items():
            tmp = staging / rel
            tmp.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                tmp.write_bytes(data)
            else:
                try:
                    shutil.copyfile(data, tmp)
                except OSError as exc:
                    raise OutputError(f"{data}: cannot copy media file: {exc.strerror}") from None
        for rel in to_write:
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, target)
            report.written.append(rel)
        for rel in stale:
            target = out / rel
            if target.is_file():
                target.unlink()
                report.removed.append(rel)
            parent = target.parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        if new_manifest != manifest or not (out / MANIFEST).is_file():
            tmp_manifest = staging / MANIFEST
            tmp_manifest.write_text(
                json.dumps({"files": new_manifest}, indent=1, sort_keys=True) + "\n",
                encoding="utf-8",
            )
            os.replace(tmp_manifest, out / MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
