"""Build the 绩效自评 ribbon add-in (.xlam) from xlwings' quickstart ribbon add-in and our templates."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape

from xl_selfeval.addin import ovba
from xl_selfeval.addin._templates import render_template
from xl_selfeval.addin.names import ADDIN_TITLE, XLWINGS_CONFIG_NAME

VBA_PROJECT_NAME = "xl_selfeval"
RIBBON_MODULE_NAME = "XSE_Ribbon"
EXCEL_MODULE = "xl_selfeval.excel"  # Python module whose *_caller functions the buttons run
# Fixed so that rebuilding gives the same file; it only has to differ from other projects' IDs.
PROJECT_ID = "{54AE6725-851E-4F69-A315-E41B27C7DD58}"

VBA_LINE_LIMIT = 1023  # characters in one physical line of a VBA module; the editor refuses longer ones

XLWINGS_ADDIN_NAME = "quickstart_addin_ribbon.xlam"  # what `xlwings quickstart NAME --addin --ribbon` copies
_QUICKSTART_RIBBON_MODULE = "RibbonMyAddin"  # the quickstart's callback module, replaced by ours
# The quickstart's VBA reads its settings under PROJECT_NAME "myaddin" and ships an inactive settings
# sheet "_myaddin.conf" (xlwings reads only "<name>.conf"); ours use names.XLWINGS_CONFIG_NAME.
_QUICKSTART_CONF_SHEET = "_myaddin.conf"
_PROJECT_NAME_CONST = re.compile(rb'^(Public Const PROJECT_NAME As String = )"[^"\r\n]*"', re.MULTILINE)

NO_WORKBOOK_MESSAGE = "请先打开要处理的绩效自评工作簿。"


@dataclass(frozen=True)
class RibbonGroup:
    """A group on the 绩效自评 tab."""

    id: str
    label: str


FORMS_GROUP = RibbonGroup("xseGroupForms", "自评表")
YEAR_GROUP = RibbonGroup("xseGroupYear", "年度与报告")
GROUPS = (FORMS_GROUP, YEAR_GROUP)


@dataclass(frozen=True)
class RibbonButton:
    """One ribbon button: its label and icon, and the xl_selfeval.excel function it runs."""

    key: str  # ASCII name: the VBA callback is XSE_<key>, the ribbon control id xse<key>
    label: str
    image_mso: str  # built-in Office icon
    function: str  # function of EXCEL_MODULE called through RunPython
    group: RibbonGroup
    supertip: str

    def __post_init__(self) -> None:
        if not (self.key.isascii() and self.key.isidentifier()):
            raise ValueError(f"按钮名必须是 ASCII 标识符：{self.key!r}")
        if not (self.function.isascii() and self.function.isidentifier()):
            raise ValueError(f"函数名必须是 ASCII 标识符：{self.function!r}")

    @property
    def sub_name(self) -> str:
        return f"XSE_{self.key}"

    @property
    def target(self) -> str:
        return f"{EXCEL_MODULE}.{self.function}"

    @property
    def python_command(self) -> str:
        # Runs inside `python -c "..."` built by xlwings' ExecuteWindows, so no double quotes.
        return f"import {EXCEL_MODULE} as x; x.{self.function}()"


RECALC = RibbonButton(
    key="Recalc",
    label="重新计算",
    image_mso="CalculateNow",
    function="recalc_caller",
    group=FORMS_GROUP,
    supertip="按当前填报内容重新计算自评表。",
)
CHECK = RibbonButton(
    key="Check",
    label="检查",
    image_mso="ErrorChecking",
    function="check_caller",
    group=FORMS_GROUP,
    supertip="检查当前自评表，并在有问题的单元格上做标记。",
)
CLEAR_MARKS = RibbonButton(
    key="ClearMarks",
    label="清除标记",
    image_mso="ClearFormats",
    function="clear_marks_caller",
    group=FORMS_GROUP,
    supertip="清除“检查”留下的标记。",
)
ROLLOVER = RibbonButton(
    key="Rollover",
    label="新建下一年度",
    image_mso="FileNew",
    function="rollover_caller",
    group=YEAR_GROUP,
    supertip="以当前工作簿为底稿，新建下一年度的自评表。",
)
REPORT = RibbonButton(
    key="Report",
    label="生成报告",
    image_mso="FileSaveAsPdfOrXps",
    function="report_caller",
    group=YEAR_GROUP,
    supertip="根据当前自评表生成绩效自评报告。",
)
ALL_BUTTONS = (RECALC, CHECK, CLEAR_MARKS, ROLLOVER, REPORT)

# 新建下一年度 runs xl_selfeval.excel.rollover_caller, 生成报告 xl_selfeval.excel.report_caller.
ENABLE_ROLLOVER = True
ENABLE_REPORT = True


def default_buttons(
    *, rollover: bool = ENABLE_ROLLOVER, report: bool = ENABLE_REPORT
) -> tuple[RibbonButton, ...]:
    """The buttons the add-in ships with; 新建下一年度 and 生成报告 only when enabled."""
    optional = {ROLLOVER: rollover, REPORT: report}
    return tuple(button for button in ALL_BUTTONS if optional.get(button, True))


DEFAULT_BUTTONS = default_buttons()


def runpython_targets(buttons: Sequence[RibbonButton] = DEFAULT_BUTTONS) -> tuple[str, ...]:
    """Dotted names of the Python functions the buttons call, e.g. 'xl_selfeval.excel.recalc_caller'."""
    return tuple(button.target for button in buttons)


RUNPYTHON_TARGETS = runpython_targets()


def _check_buttons(buttons: Sequence[RibbonButton]) -> None:
    keys = [button.key.upper() for button in buttons]  # VBA names are case-insensitive
    if not buttons or len(set(keys)) != len(keys):
        raise ValueError(f"按钮列表为空或有重复：{[b.key for b in buttons]}")


def vba_string_expression(text: str) -> str:
    """A VBA expression for ``text`` that uses only ASCII: non-ASCII characters become ChrW().

    The module source is stored in the project's code page (1252), which cannot hold Chinese.
    """
    parts: list[str] = []
    literal = ""
    for char in text:
        if " " <= char <= "~":
            literal += '""' if char == '"' else char
            continue
        if literal:
            parts.append(f'"{literal}"')
            literal = ""
        data = char.encode("utf-16-le")  # characters beyond the BMP become a surrogate pair
        for i in range(0, len(data), 2):
            parts.append(f"ChrW(&H{int.from_bytes(data[i : i + 2], 'little'):04X})")
    if literal or not parts:
        parts.append(f'"{literal}"')
    return " & ".join(parts)


def render_ribbon_xml(buttons: Sequence[RibbonButton] = DEFAULT_BUTTONS) -> str:
    """The customUI.xml text for ``buttons`` (groups without buttons are left out)."""
    _check_buttons(buttons)
    groups = [
        {"id": group.id, "label": group.label, "buttons": [b for b in buttons if b.group == group]}
        for group in GROUPS
    ]
    return render_template(
        "addin/customUI.xml.j2",
        tab_label=ADDIN_TITLE,
        groups=[group for group in groups if group["buttons"]],
        module_name=RIBBON_MODULE_NAME,
    )


def render_ribbon_module(buttons: Sequence[RibbonButton] = DEFAULT_BUTTONS) -> str:
    """Source of the VBA module with one ``Sub XSE_<key>(control As IRibbonControl)`` per button."""
    _check_buttons(buttons)
    text = render_template(
        "addin/Ribbon.bas.j2",
        filters={"vba_string": vba_string_expression},
        buttons=list(buttons),
        module_name=RIBBON_MODULE_NAME,
        excel_module=EXCEL_MODULE,
        tab_label=ADDIN_TITLE,
        no_workbook_message=NO_WORKBOOK_MESSAGE,
    )
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if len(line) > VBA_LINE_LIMIT:
            raise ValueError(
                f"生成的 VBA 模块第 {number} 行有 {len(line)} 个字符，超过 VBA 每行 {VBA_LINE_LIMIT} 个字符的上限"
                f"（中文每字在 VBA 里写作 ChrW(&Hxxxx)，约 15 个字符），请缩短该行的提示文字：{line[:80]}…"
            )
    return "\r\n".join(lines) + "\r\n"  # the VBA editor's line ending


def xlwings_addin_path() -> Path:
    """The ribbon add-in shipped inside the installed xlwings package (found without importing it)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("未安装 xlwings，无法生成加载项")
    path = Path(next(iter(spec.submodule_search_locations))) / XLWINGS_ADDIN_NAME
    if not path.is_file():
        raise FileNotFoundError(f"xlwings 安装中缺少 {XLWINGS_ADDIN_NAME}：{path}")
    return path


def use_xlwings_config_name(source: bytes) -> bytes:
    """xlwings' VBA module with PROJECT_NAME set to XLWINGS_CONFIG_NAME (see names.py): its settings are
    then read from xl_selfeval.conf sheets and files, never from xlwings' own xlwings.conf."""
    patched, count = _PROJECT_NAME_CONST.subn(rb'\1"' + XLWINGS_CONFIG_NAME.encode("ascii") + b'"', source)
    if count != 1:
        raise RuntimeError("xlwings 的 VBA 模块里找不到唯一的 PROJECT_NAME 常量（xlwings 版本变了？）")
    return patched


def build_vba_project(buttons: Sequence[RibbonButton] = DEFAULT_BUTTONS, *, source: bytes) -> bytes:
    """Our vbaProject.bin: xlwings' modules from ``source`` (its vbaProject.bin) plus our ribbon module."""
    template = ovba.read_vba_project(source)
    codec = ovba.codec_for_code_page(template.information.code_page)
    ribbon = ovba.VbaModule(
        name=RIBBON_MODULE_NAME,
        kind=ovba.ModuleKind.PROCEDURAL,
        source=render_ribbon_module(buttons).encode(codec),  # strict: must fit the code page
    )
    modules = []
    for module in template.modules:
        if module.name == _QUICKSTART_RIBBON_MODULE:
            modules.append(ribbon)
        elif module.name == "xlwings":
            modules.append(replace(module, source=use_xlwings_config_name(module.source)))
        else:
            modules.append(module)
    names = {module.name for module in template.modules}
    for required in (_QUICKSTART_RIBBON_MODULE, "xlwings"):
        if required not in names:
            raise RuntimeError(f"xlwings 加载项中没有 {required} 模块（xlwings 版本变了？）")
    project = ovba.VbaProject(
        project_id=PROJECT_ID,
        information=replace(template.information, name=VBA_PROJECT_NAME),
        references=template.references,
        modules=tuple(modules),
        host_extenders=template.host_extenders,
    )
    return ovba.write_vba_project(project)


def _set_core_property(xml: str, tag: str, value: str) -> str:
    """Set the text of ``tag`` (e.g. 'dc:title') in docProps/core.xml, empty or not."""
    pattern = re.compile(rf"<{tag}\s*/>|<{tag}>[^<]*</{tag}>")
    replaced, count = pattern.subn(f"<{tag}>{escape(value)}</{tag}>", xml, count=1)
    if count != 1:
        raise RuntimeError(f"docProps/core.xml 中没有 {tag}")
    return replaced


def _rewrite_part(name: str, data: bytes, buttons: Sequence[RibbonButton]) -> bytes:
    if name == "customUI/customUI.xml":
        return render_ribbon_xml(buttons).encode("utf-8")
    if name == "xl/vbaProject.bin":
        return build_vba_project(buttons, source=data)
    if name == "docProps/core.xml":
        xml = data.decode("utf-8")
        xml = _set_core_property(xml, "dc:title", ADDIN_TITLE)
        xml = _set_core_property(xml, "dc:creator", "xl-selfeval")
        xml = _set_core_property(xml, "cp:lastModifiedBy", "xl-selfeval")
        return xml.encode("utf-8")
    if name == "xl/workbook.xml":
        # Keep the (inactive, underscore-prefixed) settings sheet named after the config name.
        old = f'name="{_QUICKSTART_CONF_SHEET}"'.encode()
        if old not in data:
            raise RuntimeError(f"xl/workbook.xml 中没有 {_QUICKSTART_CONF_SHEET} 工作表")
        return data.replace(old, f'name="_{XLWINGS_CONFIG_NAME}.conf"'.encode())
    return data


def build_addin(out_path: Path, *, buttons: Sequence[RibbonButton] = DEFAULT_BUTTONS) -> Path:
    """Write the 绩效自评 .xlam to ``out_path`` (atomically) and return the path."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(xlwings_addin_path()) as source:
        parts = [
            (info, _rewrite_part(info.filename, source.read(info), buttons)) for info in source.infolist()
        ]
    names = {info.filename for info, _ in parts}
    for required in ("customUI/customUI.xml", "xl/vbaProject.bin", "docProps/core.xml", "xl/workbook.xml"):
        if required not in names:
            raise RuntimeError(f"xlwings 加载项缺少 {required}")

    handle, temp_name = tempfile.mkstemp(prefix=".~", suffix=".xlam", dir=out_path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temp_name, "w", zipfile.ZIP_DEFLATED) as target:
            for info, data in parts:
                # Same member order and timestamps as the source: rebuilding gives the same bytes.
                member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                member.compress_type = zipfile.ZIP_DEFLATED
                member.external_attr = info.external_attr
                target.writestr(member, data)
        os.replace(temp_name, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return out_path
