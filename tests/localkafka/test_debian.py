"""Debian packages are installed only when missing, and a failed install says so."""

from pathlib import Path

import pytest

from localkafka import debian, mono
from localkafka.broker import LocalKafkaError


class Apt:
    """`debian.run` replaced: the commands asked for; installing makes `installed` hold."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, works: bool) -> None:
        self.commands: list[list[str]] = []
        self.present = False
        self.works = works
        monkeypatch.setattr(debian, "LOCK", tmp_path / "apt.lock")
        monkeypatch.setattr(debian, "run", self.run)

    def run(self, command: list[str], **_: object) -> str:
        self.commands.append(command)
        if command[1] == "install" and self.works:
            self.present = True
        return ""

    def installed(self) -> bool:
        return self.present


def test_nothing_is_run_when_the_packages_are_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    apt = Apt(monkeypatch, tmp_path, works=True)
    apt.present = True
    debian.ensure_packages(["mono-mcs"], installed=apt.installed, error=LocalKafkaError)
    assert apt.commands == []


def test_missing_packages_are_installed_after_an_update(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    apt = Apt(monkeypatch, tmp_path, works=True)
    debian.ensure_packages(
        ["mono-mcs", "mono-runtime"], installed=apt.installed, error=LocalKafkaError,
        recommends=False,
    )  # fmt: skip
    update, install = apt.commands
    assert update[:2] == ["apt-get", "update"]
    assert install[:2] == ["apt-get", "install"]
    assert {"-y", "--no-install-recommends"} <= set(install)
    assert install[-2:] == ["mono-mcs", "mono-runtime"]


def test_an_install_that_leaves_them_missing_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    apt = Apt(monkeypatch, tmp_path, works=False)
    with pytest.raises(mono.MonoError, match="still missing"):
        debian.ensure_packages(["mono-mcs"], installed=apt.installed, error=mono.MonoError)


def test_mono_names_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None if name == "mcs" else name)
    monkeypatch.setattr(mono, "FRAMEWORK_DIR", tmp_path)
    (tmp_path / "System.Xml.dll").touch()
    assert mono.missing() == ["mcs", "System.Runtime.Serialization.dll", "System.Net.Http.dll"]
