"""Every command that writes tells apart a folder it may not write, a file open in Excel/WPS and a full
disk: one Chinese sentence naming the path, exit 2, no traceback, the source untouched."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE

from xl_selfeval import cli

NOBODY = 65534


def _as_user() -> list[str]:
    """A prefix that runs a command as a user the folder's permission bits apply to: root ignores them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permission bits cannot be tested")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd)}
    return subprocess.run(
        [*_as_user(), sys.executable, "-m", "xl_selfeval", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder every user can read (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="xl-selfeval-写入-"))
    folder.chmod(0o777)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


def _read_only_folder(base: Path, *files: Path) -> Path:
    folder = base / "只读文件夹"
    folder.mkdir()
    for source in files:
        shutil.copy(source, folder / source.name)
        (folder / source.name).chmod(0o644)
    folder.chmod(0o555)
    return folder


def _source(base: Path) -> Path:
    path = base / "2024年度绩效自评.xlsx"
    shutil.copy(EXAMPLE, path)
    path.chmod(0o644)
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["new", "--year", "2025", "-o", "{ro}/2025年度绩效自评.xlsx"],
        ["new", "--from", "{src}", "-o", "{ro}/2025年度绩效自评.xlsx"],
        ["recalc", "{src}", "-o", "{ro}/结果.xlsx"],
        ["recalc", "{ro}/2024年度绩效自评.xlsx"],
        ["recalc", "{ro}/2024年度绩效自评.xlsx", "--no-backup"],
        ["addin", "build", "-o", "{ro}/绩效自评.xlam"],
    ],
    ids=["new", "new-from", "recalc-o", "recalc-in-place", "recalc-no-backup", "addin-build"],
)
def test_a_folder_that_cannot_be_written(base: Path, command: list[str]) -> None:
    source = _source(base)
    ro = _read_only_folder(base, source)
    before = {p: p.read_bytes() for p in (source, ro / source.name)}
    args = [part.format(ro=ro, src=source) for part in command]
    result = run_cli(*args, cwd=base)
    assert result.returncode == 2, result.stderr
    assert f"文件夹“{ro}”不允许写入" in result.stderr, result.stderr
    assert "正被其他程序打开" not in result.stderr  # nothing has it open: no claim that Excel does
    assert "Traceback" not in result.stderr and "Permission denied" not in result.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in ro.iterdir()) == [source.name]


@pytest.mark.parametrize(
    "command",
    [
        ["new", "--year", "2025", "-o", "{out}"],
        ["new", "--from", "{src}", "-o", "{out}", "--force"],
        ["recalc", "{src}", "-o", "{out}", "--force"],
    ],
    ids=["new", "new-from", "recalc-o"],
)
def test_a_file_open_in_excel(tmp_path: Path, command: list[str]) -> None:
    source = _source(tmp_path)
    out = tmp_path / "结果.xlsx"
    (tmp_path / "~$结果.xlsx").write_text("张会计")  # Excel's lock file beside a workbook it has open
    original = source.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "xl_selfeval", *(p.format(src=source, out=out) for p in command)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert f"“{out}”正被其他程序打开（如 Excel/WPS）" in result.stderr and "~$结果.xlsx" in result.stderr
    assert source.read_bytes() == original and not out.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["new", "--year", "2025", "-o", "{out}"],
        ["new", "--from", "{src}", "-o", "{out}"],
        ["recalc", "{src}"],
        ["recalc", "{src}", "-o", "{out}"],
        ["addin", "build", "-o", "{xlam}"],
    ],
    ids=["new", "new-from", "recalc-in-place", "recalc-o", "addin-build"],
)
def test_a_full_disk(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path)
    original = source.read_bytes()
    out, xlam = tmp_path / "结果.xlsx", tmp_path / "绩效自评.xlam"
    real_replace = os.replace

    def full(src: str, dst: str) -> None:
        if not str(src).startswith(str(tmp_path)):
            real_replace(src, dst)
            return
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", full)
    code = cli.main([p.format(src=source, out=out, xlam=xlam) for p in command])
    err = capsys.readouterr().err
    assert code == 2
    assert "磁盘空间不足，无法写入“" in err and str(tmp_path) in err, err
    assert "Traceback" not in err and "No space" not in err
    assert source.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]  # no half file, no temporary file
