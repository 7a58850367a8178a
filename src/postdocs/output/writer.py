"""Writing generated pages: only pages that changed, only files postdocs owns.

The generator records what it wrote in a manifest. A run rewrites changed pages, removes pages of
posts that disappeared, never touches files it did not write, and refuses to overwrite a generated
page that was edited by hand. Media files of Desktop exports (photos, files) are owned the same
way: copied next to their pages, recorded in the manifest with their digest, removed when their
post disappears.

Builds are atomic: every changed file and the new manifest are first written to a staging
folder (`.postdocs-staging-*`) with a journal of what to move and remove; renaming that folder to
`.postdocs-commit` is the commit point. Then the files are moved into place (SIGINT and SIGTERM
wait meanwhile) and the folder is dropped. A run killed before the commit point left the pages
untouched, and the next run deletes its staging folder (roll back); a run killed after it is
finished by the next run from the journal (roll forward). Either way the pages are all old or
all new, never a mix, once any later run (or `recover`) has started.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputError
from ..model import KnownPage, PageText
from ..state import BuildState, FileStamp

try:
    import fcntl
except ImportError:  # Windows: no lock (one build at a time is then up to the user)
    fcntl = None  # type: ignore[assignment]

MANIFEST = ".postdocs-manifest.json"
STAGING_PREFIX = ".postdocs-staging-"
COMMIT = ".postdocs-commit"  # a staging folder whose journal is complete: to be applied
DONE_PREFIX = ".postdocs-done-"  # an applied commit folder, being deleted
JOURNAL = "journal.json"
LOCK = ".postdocs-lock"


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    recovered: str | None = None  # what was done about an interrupted earlier run
    total: int = 0  # generated files (pages, feeds, media) in the folder after the run


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


_SETTLED_NS = 2_000_000_000
_now_ns = time.time_ns


def _current_digest(path: Path, seen: dict[str, FileStamp] | None = None) -> str | None:
    """The digest of the file at `path`, or None if there is no file there.

    `seen`: the watcher's digests of the files it read, by each file's identity and change
    times: it finds most of the site unchanged at every rebuild, and reading every page again
    would be a good part of its writing time on a large site. Any write to a file (by postdocs,
    an editor, a copy) changes its ctime, which no tool sets back; a digest is kept only once the
    file is older than the clock's coarse ticks (as git does with racily clean files), so a
    second write in the same tick is not missed."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if seen is None:
        return _file_digest(path)
    key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    known = seen.get(str(path))
    if known is not None and known[0] == key:
        return known[1]
    digest = _file_digest(path)
    if _now_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > _SETTLED_NS:
        seen[str(path)] = (key, digest)
    return digest


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


class _Targets:
    """Paths inside the output folder: each folder is resolved once (not each file), and a
    path that leaves the folder (`..`, a symlinked folder pointing elsewhere) is refused."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.root = out.resolve()
        self._dirs: dict[str, Path] = {}

    def __call__(self, rel: str) -> Path:
        folder, _, name = rel.rpartition("/")
        if name in ("", ".", ".."):
            raise OutputError(f"refusing to write outside {self.out}: {rel}")
        where = self._dirs.get(folder)
        if where is None:
            where = (self.out / folder).resolve() if folder else self.root
            if where != self.root and self.root not in where.parents:
                raise OutputError(f"refusing to write outside {self.out}: {rel}")
            self._dirs[folder] = where
        return where / name


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One writer at a time (`make serve`'s watcher and a `make site`): the second waits."""
    with (out / LOCK).open("a") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


def write_pages(
    out: Path, pages: Mapping[str, str] | Iterable[tuple[str, PageText]], force: bool = False,
    assets: Mapping[str, str] | None = None, state: BuildState | None = None,
) -> WriteReport:
    """Bring `out` in line with `pages` (relative path → text; a mapping, or pairs as they are
    rendered: each page is staged and dropped at once, so the site is never all in memory) and
    `assets` (relative path → source file, copied byte for byte: media next to their pages).
    A page's text may be a `KnownPage`: rendered only if its file is not already that page.
    `state`: the watcher's, which remembers the digests of the files it read."""
    out.mkdir(parents=True, exist_ok=True)
    pairs = pages.items() if isinstance(pages, Mapping) else pages
    with _locked(out):
        return _write_locked(out, pairs, force, dict(assets or {}),
                             state.files if state is not None else None)


def _write_locked(out: Path, pages: Iterable[tuple[str, PageText]], force: bool,
                  assets: dict[str, str], seen: dict[str, FileStamp] | None) -> WriteReport:
    report = WriteReport(recovered=recover(out))
    manifest = load_manifest(out)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        items: Iterator[tuple[str, bytes | Path | KnownPage]] = itertools.chain(
            ((rel, text if isinstance(text, KnownPage) else text.encode("utf-8"))
             for rel, text in pages),
            ((rel, Path(src)) for rel, src in sorted(assets.items())))
        owned = _Owned(out, manifest, force, seen)
        new_manifest, written = _stage_changes(staging, items, assets, owned, report)
        report.total = len(new_manifest)
        stale = sorted(set(manifest) - set(new_manifest))
        for rel in stale:
            target = owned.target_of(rel)
            if target.is_file() and _file_digest(target) != manifest[rel] and not force:
                raise OutputError(
                    f"{target}: edited by hand, and its post is gone; move it away or use --force"
                )
        manifest_changed = new_manifest != manifest or not (out / MANIFEST).is_file()
        if not written and not stale and not manifest_changed:
            shutil.rmtree(staging, ignore_errors=True)
            return report
        removed = [rel for rel in stale if (out / rel).is_file()]
        _commit(out, staging, {"write": written, "remove": stale},
                new_manifest if manifest_changed else None)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _roll_forward(out)
    report.written = written
    report.removed = removed
    return report


@dataclass
class _Owned:
    """What decides whether a file may be written: the manifest of the last run, `--force`,
    and the watcher's digests of files it read before (`seen`)."""

    out: Path
    manifest: dict[str, str]
    force: bool
    seen: dict[str, FileStamp] | None

    def __post_init__(self) -> None:
        self.target_of = _Targets(self.out)

    def changed(self, rel: str, item: bytes | Path | KnownPage) -> tuple[str, bytes | Path | None]:
        """The digest to record for `rel`, and what to write there (None: the file is it)."""
        digest = (item.digest if isinstance(item, KnownPage)
                  else _digest(item) if isinstance(item, bytes) else _file_digest(item))
        target = self.target_of(rel)
        current = _current_digest(target, self.seen)
        if current == digest:
            return digest, None
        data: bytes | Path
        if isinstance(item, KnownPage):
            data = item.text().encode("utf-8")
            digest = _digest(data)  # what is written, whatever was remembered
        else:
            data = item
        if current is None:
            return digest, data
        if rel not in self.manifest:
            if not self.force:
                raise OutputError(
                    f"{target}: exists and was not written by postdocs; move it away or use --force"
                )
        elif self.manifest[rel] != current and not self.force:
            raise OutputError(
                f"{target}: edited by hand since postdocs wrote it; put corrections in "
                "content/overrides.yml, or use --force to overwrite"
            )
        return digest, data


def _stage_changes(staging: Path, items: Iterable[tuple[str, bytes | Path | KnownPage]],
                   assets: Mapping[str, str], owned: _Owned,
                   report: WriteReport) -> tuple[dict[str, str], list[str]]:
    """Every changed file staged (unchanged ones counted in `report`): the new manifest and
    the files written."""
    new_manifest: dict[str, str] = {}
    written: list[str] = []
    pending: list[tuple[str, bytes | Path]] = []  # changed files not yet staged
    pending_bytes = 0
    for rel, item in items:
        if rel in new_manifest:
            what = "a page and a media file" if rel in assets else "two pages"
            raise OutputError(f"{what} both map to {rel}")
        new_manifest[rel], data = owned.changed(rel, item)
        if data is None:
            report.unchanged += 1
            continue
        pending.append((rel, data))
        pending_bytes += len(data) if isinstance(data, bytes) else 0
        written.append(rel)
        if pending_bytes > _PENDING_BYTES:
            _stage_all(staging, pending)
            pending_bytes = 0
    _stage_all(staging, pending)
    return new_manifest, written


def _commit(out: Path, staging: Path, journal: dict[str, list[str]],
            manifest: dict[str, str] | None) -> None:
    """The new manifest (if it changed) and the journal into the staging folder, which then
    becomes the commit folder: the commit point."""
    if manifest is not None:
        try:
            (staging / MANIFEST).write_text(
                json.dumps({"files": manifest}, indent=1, sort_keys=True) + "\n",
                encoding="utf-8",
            )
        except OSError as exc:
            raise OutputError(f"{staging / MANIFEST}: cannot write: {exc.strerror}") from None
    _write_synced(staging / JOURNAL, json.dumps(journal).encode("utf-8"))
    os.rename(staging, out / COMMIT)


# Changed files are staged together, not one by one as pages are rendered: `mkdocs serve`
# polls the docs folder every 0.5 s and builds 0.1 s after the last change it saw, so files
# trickling into the staging folder during a rebuild started a build that found nothing new and
# held up the real one. A cap keeps a full rebuild from holding every page in memory.
_PENDING_BYTES = 8 << 20


def _stage_all(staging: Path, pending: list[tuple[str, bytes | Path]]) -> None:
    for rel, data in pending:
        _stage(staging / "files" / rel, data)
    pending.clear()


def _stage(path: Path, data: bytes | Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
            return
    except OSError as exc:  # a full disk names no file by itself
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        shutil.copyfile(data, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot copy media file {data}: {exc.strerror}") from None


def _write_synced(path: Path, data: bytes) -> None:
    try:
        with path.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while files move into place; act on them afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda n, _f: received.append(n))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if signal.SIGTERM in received:
            os.kill(os.getpid(), signal.SIGTERM)
        if signal.SIGINT in received:
            raise KeyboardInterrupt


def _prune(out: Path, target: Path) -> None:
    parent = target.parent
    while parent != out and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _roll_forward(out: Path) -> bool:
    """Apply a committed build (idempotent: whatever was applied before is skipped)."""
    commit = out / COMMIT
    if not commit.is_dir():
        return False
    try:
        journal = json.loads((commit / JOURNAL).read_text(encoding="utf-8"))
        writes = [str(r) for r in journal["write"]]
        removes = [str(r) for r in journal["remove"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(f"{commit}: an interrupted build's journal is damaged; delete the "
                          "folder and build with --force") from None
    target_of = _Targets(out)
    previous = commit / "previous"  # the pages replaced or removed so far, to roll back to
    applied: list[tuple[Path, Path | None]] = []  # (target, its previous version, if any)
    with _signals_deferred():
        try:
            for rel in writes:
                source = commit / "files" / rel
                if source.is_file():
                    target = target_of(rel)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    applied.append((target, _keep(target, previous / rel)))
                    _move_into_place(source, target)
            for rel in removes:
                target = target_of(rel)
                if target.is_file():
                    applied.append((target, _keep(target, previous / rel, move=True)))
                _prune(out, target)
            if (commit / MANIFEST).is_file():
                os.replace(commit / MANIFEST, out / MANIFEST)
        except OSError as exc:
            _roll_back(out, commit, applied, exc)
        done = Path(tempfile.mkdtemp(prefix=DONE_PREFIX, dir=out))
        os.replace(commit, done / "commit")
    shutil.rmtree(done, ignore_errors=True)
    return True


def _keep(target: Path, backup: Path, move: bool = False) -> Path | None:
    """Keep the current version of `target` (if any) at `backup`: a hard link (or a copy, on
    another file system), or the file itself when it is being removed (`move`)."""
    if not target.is_file():
        return None
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.unlink(missing_ok=True)  # left by an interrupted earlier attempt
    if move:
        _move_into_place(target, backup)
        return backup
    try:
        os.link(target, backup)
    except OSError:  # another file system, or links not supported
        shutil.copyfile(target, backup)
    return backup


def _move_into_place(source: Path, target: Path) -> None:
    """`os.replace`, and across file systems (a sub-folder mounted elsewhere) a copy next to
    the target renamed over it."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = target.with_name(f".{target.name}.postdocs-tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
        source.unlink()


def _roll_back(out: Path, commit: Path, applied: list[tuple[Path, Path | None]],
               exc: OSError) -> None:
    """A move into place failed: put back what was moved so far, drop the commit, and raise.
    If putting back fails too, the commit stays and the next build finishes it."""
    what = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc.strerror or exc)
    try:
        for target, backup in reversed(applied):
            if backup is not None:
                _move_into_place(backup, target)
            elif target.is_file():
                target.unlink()
        dropped = Path(tempfile.mkdtemp(prefix=DONE_PREFIX, dir=out))
        os.replace(commit, dropped / "commit")
        shutil.rmtree(dropped, ignore_errors=True)
    except OSError:
        raise OutputError(f"{what}: moving the new pages into place failed, and so did putting "
                          f"the previous ones back; the next build finishes the move from "
                          f"{commit}") from None
    raise OutputError(f"{what}: moving the new pages into place failed; the previous pages "
                      f"were put back (nothing changed in {out})") from None


def recover(out: Path) -> str | None:
    """Finish or undo what an interrupted run left in `out`; say which, or None if nothing."""
    if not out.is_dir():
        return None
    said = None
    if _roll_forward(out):
        said = "finished the pages of an interrupted build"
    leftovers = sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith(
        (STAGING_PREFIX, DONE_PREFIX)))
    for p in leftovers:
        shutil.rmtree(p, ignore_errors=True)
    if leftovers and said is None and any(p.name.startswith(STAGING_PREFIX) for p in leftovers):
        said = "dropped the staged pages of an interrupted build (the pages were untouched)"
    return said
