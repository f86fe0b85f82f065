"""Build the offline install bundle: a wheelhouse complete for the target Windows Pythons, the add-in,
the example workbook, 安装.cmd, 卸载.cmd and 安装说明.txt, in one zip."""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging import tags
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from xl_selfeval.addin.install import ADDIN_FILE_NAME, _write_atomically
from xl_selfeval.files.bundled import EXAMPLE_NAME
from xl_selfeval.setup import SUPPORTED_PYTHONS, WINDOWS_PLATFORM, pinned_xlwings_version
from xl_selfeval.setup.scripts import BundleContents, render_scripts

PACKAGE = "xl-selfeval"
BUNDLE_ROOT = "xl-selfeval-offline"  # the one folder inside the zip: "extract here" scatters nothing
WHEELS = "wheels"
EMBED_NAME = re.compile(r"python-((3\.\d+)\.\d+)-embed-amd64\.zip", re.IGNORECASE)
MAX_RESOLVE_ROUNDS = 5
SOURCE = Path(__file__).resolve().parents[2]  # the source checkout, when running from one


class BundleError(RuntimeError):
    """The bundle cannot be built; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Target:
    """A Python the bundle installs into: its version and platform, and its marker environment."""

    python: str  # "3.12"
    platforms: tuple[str, ...]  # wheel platform tags; empty: this computer
    environment: dict[str, str] = field(compare=False, hash=False)

    @property
    def label(self) -> str:
        return f"Python {self.python} {'/'.join(self.platforms) or '本机'}"

    def tags(self) -> frozenset[tags.Tag]:
        if not self.platforms:
            return frozenset(tags.sys_tags())
        version = tuple(int(part) for part in self.python.split("."))
        return frozenset(
            [
                *tags.cpython_tags(version, platforms=self.platforms),
                *tags.compatible_tags(version, f"cp{version[0]}{version[1]}", self.platforms),
            ]
        )


def _environment() -> dict[str, str]:
    return {key: str(value) for key, value in default_environment().items()}


def windows_target(python: str) -> Target:
    """64-bit CPython ``python`` on Windows, with the markers pip would see there."""
    environment = {
        **_environment(),
        "os_name": "nt",
        "sys_platform": "win32",
        "platform_system": "Windows",
        "platform_machine": "AMD64",
        "platform_release": "10",
        "platform_version": "10.0.19045",
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    return Target(python, (WINDOWS_PLATFORM,), environment)


def host_target() -> Target:
    """The Python running this code: the offline install test installs the bundle into it."""
    return Target(f"{sys.version_info[0]}.{sys.version_info[1]}", (), _environment())


def parse_pythons(text: str) -> tuple[str, ...]:
    """'3.11,3.12' -> ('3.11', '3.12'); only the supported Pythons."""
    versions = tuple(dict.fromkeys(part.strip() for part in re.split(r"[,，\s]+", text) if part.strip()))
    unknown = [v for v in versions if v not in SUPPORTED_PYTHONS]
    if not versions or unknown:
        raise BundleError(
            f"--python 只能是 {'、'.join(SUPPORTED_PYTHONS)} 中的版本，用逗号分隔；收到的是“{text}”"
        )
    return versions


@dataclass(frozen=True)
class Wheel:
    """A wheel file in the wheelhouse and what it needs."""

    path: Path
    name: str
    version: str
    tags: frozenset[tags.Tag]

    @classmethod
    def read(cls, path: Path) -> Wheel:
        name, version, _, wheel_tags = parse_wheel_filename(path.name)
        return cls(path, canonicalize_name(name), str(version), frozenset(wheel_tags))

    def requires(self) -> list[Requirement]:
        with zipfile.ZipFile(self.path) as archive:
            member = next(n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
            message = email.parser.BytesParser().parsebytes(archive.read(member), headersonly=True)
        return [Requirement(text) for text in message.get_all("Requires-Dist") or []]


def wheelhouse(folder: Path) -> list[Wheel]:
    return [Wheel.read(path) for path in sorted(folder.glob("*.whl"))]


def missing_requirements(
    wheels: Sequence[Wheel], target: Target, roots: Iterable[str] = (PACKAGE,)
) -> list[Requirement]:
    """Requirements, reached from ``roots`` with the target's markers, that no wheel for it satisfies."""
    usable = [wheel for wheel in wheels if wheel.tags & target.tags()]
    pending = [Requirement(root) for root in roots]
    seen: set[str] = set()
    missing: list[Requirement] = []
    while pending:
        requirement = pending.pop()
        environment = {**target.environment, "extra": ""}
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonicalize_name(requirement.name)
        match = next(
            (
                wheel
                for wheel in usable
                if wheel.name == name and requirement.specifier.contains(wheel.version, prereleases=True)
            ),
            None,
        )
        if match is None:
            missing.append(requirement)
        elif name not in seen:
            seen.add(name)
            pending.extend(match.requires())
    return missing


def foreign_wheels(wheels: Sequence[Wheel], targets: Sequence[Target]) -> list[Wheel]:
    """Wheels that fit none of the targets."""
    return [wheel for wheel in wheels if not any(wheel.tags & target.tags() for target in targets)]


def _pip(args: Sequence[str]) -> None:
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise BundleError(f"pip {args[0]} 失败（需要能访问 PyPI 或其镜像）：\n{tail}")


PROJECT_FILES = ("pyproject.toml", "README.md", "xl_selfeval", "templates")


def build_project_wheel(source: Path, folder: Path) -> Path:
    """xl-selfeval's own wheel, built with `pip wheel --no-deps` from a fresh copy of the source: pip
    builds in the tree, and setuptools' build/ folder there may still hold modules deleted since."""
    if not (source / "pyproject.toml").is_file():
        raise BundleError(
            f"找不到 xl-selfeval 的源代码（{source / 'pyproject.toml'}）：请在源代码目录中安装后再生成安装包"
        )
    with tempfile.TemporaryDirectory(prefix="xl-selfeval-source-") as temp:
        copy = Path(temp)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for name in PROJECT_FILES:
            if (source / name).is_dir():
                shutil.copytree(source / name, copy / name, ignore=ignore)
            else:
                shutil.copy2(source / name, copy / name)
        _pip(["wheel", "--no-deps", "--wheel-dir", str(folder), str(copy)])
    built = [w for w in wheelhouse(folder) if w.name == PACKAGE]
    if len(built) != 1:
        raise BundleError(f"没有生成唯一的 {PACKAGE} wheel：{[w.path.name for w in built]}")
    return built[0].path


def download_for(target: Target, requirements: Sequence[str], folder: Path, *, no_deps: bool = False) -> None:
    args = ["download", "--only-binary=:all:", "--dest", str(folder)]
    if target.platforms:
        args += ["--implementation", "cp", "--python-version", target.python]
        for platform_tag in target.platforms:
            args += ["--platform", platform_tag]
    if no_deps:
        args.append("--no-deps")
    _pip([*args, *requirements])


def fill_wheelhouse(
    folder: Path, project_wheel: Path, targets: Sequence[Target], extra: Sequence[str]
) -> None:
    """Download every wheel each target needs. pip evaluates environment markers on this computer (so on
    Linux it leaves out xlwings' `platform_system == "Windows"` pywin32); each missing requirement, found
    with the target's own markers, is then named explicitly, until nothing is missing."""
    for target in targets:
        download_for(target, [str(project_wheel), *extra], folder)
        for _ in range(MAX_RESOLVE_ROUNDS):
            missing = missing_requirements(wheelhouse(folder), target)
            if not missing:
                break
            download_for(target, [f"{r.name}{r.specifier}" for r in missing], folder)
        else:
            raise BundleError(f"{target.label} 的依赖仍不完整：{'、'.join(str(r) for r in missing)}")


@dataclass(frozen=True)
class EmbeddedPython:
    """A python.org embeddable zip given with --python-zip."""

    path: Path
    python: str  # "3.12"
    full_version: str  # "3.12.8"
    pth: str  # "python312._pth"


def read_embedded_python(path: Path) -> EmbeddedPython:
    match = EMBED_NAME.fullmatch(path.name)
    if match is None or not path.is_file():
        raise BundleError(
            f"--python-zip 应为 python.org 的 64 位免安装版 Python，如 python-3.12.8-embed-amd64.zip；收到的是“{path}”"
        )
    full_version, python = match.group(1), match.group(2)
    pth = f"python{python.replace('.', '')}._pth"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as error:
        raise BundleError(f"无法读取 {path}：{error}") from None
    if pth not in names or "python.exe" not in names:
        raise BundleError(f"{path.name} 中没有 python.exe 和 {pth}，不是免安装版 Python")
    if python not in SUPPORTED_PYTHONS:
        raise BundleError(f"{path.name} 是 Python {python}，本工具支持 {'、'.join(SUPPORTED_PYTHONS)}")
    return EmbeddedPython(path, python, full_version, pth)


@dataclass(frozen=True)
class BundleSummary:
    path: Path
    size: int
    pythons: tuple[str, ...]
    wheels: tuple[str, ...]
    embedded: str | None


def _check_xlwings() -> str:
    pinned = pinned_xlwings_version()
    try:
        installed = metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        raise BundleError("未安装 xlwings，无法生成加载项") from None
    if pinned is not None and installed != pinned:
        raise BundleError(
            f"已安装的 xlwings 是 {installed}，而 xl-selfeval 要求 {pinned}：加载项的宏取自 xlwings，"
            f"两者须一致。请运行 pip install xlwings=={pinned}"
        )
    return installed


def build_bundle(
    out: Path,
    *,
    pythons: Sequence[str] = SUPPORTED_PYTHONS,
    python_zip: Path | None = None,
    targets: Sequence[Target] | None = None,
    source: Path = SOURCE,
) -> BundleSummary:
    """Write the bundle zip to ``out``. ``targets`` overrides the Windows targets (the Linux test)."""
    from xl_selfeval.addin.build import build_addin

    embedded = read_embedded_python(python_zip) if python_zip is not None else None
    pythons = tuple(dict.fromkeys([*pythons, *([embedded.python] if embedded else [])]))
    targets = tuple(targets) if targets is not None else tuple(windows_target(p) for p in pythons)
    xlwings_version = _check_xlwings()
    example = source / "workbooks" / EXAMPLE_NAME
    if not example.is_file():
        raise BundleError(f"找不到示例工作簿 {example}")

    with tempfile.TemporaryDirectory(prefix="xl-selfeval-bundle-") as temp:
        stage = Path(temp)
        wheels_dir = stage / WHEELS
        project_wheel = build_project_wheel(source, wheels_dir)
        # pip runs from its own wheel in the embeddable Python, which has no pip.
        fill_wheelhouse(wheels_dir, project_wheel, targets, extra=["pip"])
        wheels = wheelhouse(wheels_dir)
        foreign = foreign_wheels(wheels, targets)
        if foreign:
            raise BundleError(f"安装包中有不属于目标平台的文件：{'、'.join(w.path.name for w in foreign)}")
        pip_wheel = next(w.path.name for w in wheels if w.name == "pip")
        addin = build_addin(stage / ADDIN_FILE_NAME)
        contents = BundleContents(
            version=Wheel.read(project_wheel).version,
            xlwings_version=xlwings_version,
            pythons=pythons,
            pip_wheel=pip_wheel,
            embed_zip=embedded.path.name if embedded else None,
            embed_pth=embedded.pth if embedded else None,
            embed_version=embedded.full_version if embedded else None,
        )
        files: list[tuple[str, Path | bytes]] = [
            *((f"{WHEELS}/{w.path.name}", w.path) for w in wheels),
            (ADDIN_FILE_NAME, addin),
            (EXAMPLE_NAME, example),
            *render_scripts(contents).items(),
        ]
        if embedded:
            files.append((f"python/{embedded.path.name}", embedded.path))
        _write_zip(out, files)
    return BundleSummary(
        path=out,
        size=out.stat().st_size,
        pythons=pythons,
        wheels=tuple(w.path.name for w in wheels),
        embedded=embedded.path.name if embedded else None,
    )


def _write_zip(out: Path, files: Sequence[tuple[str, Path | bytes]]) -> None:
    def write(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w") as archive:
            for name, content in files:
                # Wheels, zips and Office files are compressed already; the scripts are small text.
                packed = name.endswith((".whl", ".zip", ".xlam", ".xlsx"))
                compress = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
                arcname = f"{BUNDLE_ROOT}/{name}"
                if isinstance(content, bytes):
                    archive.writestr(arcname, content, compress_type=compress)
                else:
                    archive.write(content, arcname, compress_type=compress)

    _write_atomically(out, write)


def extract_bundle(bundle: Path, folder: Path) -> Path:
    """Unpack a bundle (the test's stand-in for 'extract all'); returns the bundle's root folder."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder / BUNDLE_ROOT
