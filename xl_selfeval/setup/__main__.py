"""Steps of 安装.cmd done in Python: write the add-in's settings file and the drop launcher."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from xl_selfeval.addin.install import (
    INTERPRETER_KEY,
    _conf_encoding,
    _write_atomically,
    launcher_script,
    set_conf_value,
)

USAGE = (
    "用法：python -m xl_selfeval.setup write-config 设置文件 pythonw.exe | write-launcher 脚本.bat python.exe"
)


def write_config(config_file: Path, interpreter: Path) -> None:
    """Set INTERPRETER_WIN in the add-in's settings file, keeping its other lines."""
    existing = config_file.read_bytes() if config_file.is_file() else b""
    content, _ = set_conf_value(existing, INTERPRETER_KEY, str(interpreter), _conf_encoding())
    _write_atomically(config_file, lambda temp: temp.write_bytes(content))


def write_launcher(launcher: Path, python: Path) -> None:
    """The .bat a workbook is dropped onto (UTF-8 without BOM, as install.py writes it)."""
    script = launcher_script(python)
    _write_atomically(launcher, lambda temp: temp.write_bytes(script.encode("utf-8")))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or args[0] not in ("write-config", "write-launcher"):
        print(USAGE, file=sys.stderr)
        return 2
    command, target, python = args[0], Path(args[1]), Path(args[2])
    try:
        if command == "write-config":
            write_config(target, python)
        else:
            write_launcher(target, python)
    except (OSError, UnicodeEncodeError) as error:
        print(f"错误：无法写入 {target}：{error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
