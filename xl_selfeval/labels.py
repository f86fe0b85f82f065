"""How a label typed in a cell is compared with the official label (width, spaces, numbering and colons
ignored), and the names and marks of what recalc itself writes into a workbook."""

from __future__ import annotations

import re
import unicodedata

from xl_selfeval.memo import memo_text

_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(r"^(?:[0-9]+[、.．]|[一二三四五六七八九十]+[、.．]|\([0-9一二三四五六七八九十]+\))")
_UNIT_SUFFIX = re.compile(r"\((?:万元|元|㎡|m2|平方米|分|%)\)$")  # 指标得分（分）, 执行率（%）
_OF_WHICH = re.compile(r"^其中[:：]?")
_MARKER = re.compile(r"\([A-Z](?:/[A-Z])?\)$")  # 全年预算数(A), 执行率(B/A)


# Other wordings of the same label, in other provinces' and the 财政部 versions of the forms.
SYNONYMS = {
    "项目名称": "项目支出名称",
    "其它资金": "其他资金",
    "上年结转资金": "上年结转金额",
    "上年结转": "上年结转金额",
    "部门名称": "预算部门名称",
    "部门": "预算部门名称",  # 安徽 2023 (金寨): 部门 | 金寨县茶谷和美丽乡村建设服务中心
    "部门(单位)名称": "预算部门名称",
    "单位名称": "预算部门名称",
    "预算单位名称": "预算部门名称",
    "因公出国(境)费": "出国经费",
    "因公出国(境)经费": "出国经费",
    "公务接待费": "公务接待",
    "公务用车购置及运行维护费": "公务用车购置和维护经费",
    "公务用车购置及运行费": "公务用车购置和维护经费",
    "“三公”经费": "三公经费",
    '"三公"经费': "三公经费",
    "三公经费合计": "三公经费",
    "财政拨款": "当年财政拨款",
    "本年财政拨款": "当年财政拨款",
    "当年财政拨款资金": "当年财政拨款",
    "服务对象满意度指标等": "服务对象满意度指标",  # the template's own wording, kept by some units
    "年度财政资金总额": "年度资金总额",
    "进度指标": "时效指标",  # the older name (湖北 2020)
    "总额": "年度资金总额",
    "资金情况": "年度预算申请",  # 湖南 2020 (南岳): 资金情况（万元）| 合计 | 年初预算资金总额 | 实际投入资金额
    "自评结论": "评价结论",
    "绩效自评结论": "评价结论",
    "总体评价结论": "评价结论",  # 四川's 预算执行情况 block: 总额 | 其中：财政资金 | …
}

# Column headers by meaning: other provinces' and years' words for the seed's column roles. A trailing
# marker such as (A), (B) or (B/A) is dropped before these are looked up.
HEADER_SYNONYMS = {
    "年初预算数": ("年初预算", "年初预算资金总额"),
    "全年预算数": ("预算数", "调整后预算数", "调整预算数", "全年预算", "全年(调整)预算数"),
    "全年执行数": ("执行数", "实际支出", "预算执行数", "实际执行数", "实际投入资金额"),
    "执行率": ("预算执行率",),
    "分值": ("权重", "参考分值", "指标分值", "指标权重", "执行率权重"),
    "得分": ("自评得分", "指标得分", "执行率得分"),
    "三级指标": ("指标名称",),  # 重庆's 部门整体 form lists its indicators without 一级/二级
    "年度指标值": ("指标值", "年初目标值", "年度目标值", "年初指标值"),
    # 全年实际值(B) heads the indicators' actuals in 宁夏's 10号 layout, not the funds table's 执行数.
    "实际完成值": ("完成值", "全年实际完成值", "全年实际值", "全年完成值"),
}
SYNONYMS.update({word: header for header, words in HEADER_SYNONYMS.items() for word in words})


def canonical_raw(text: object) -> str:
    """A label folded like canonical() but without its synonyms: tells 自评得分 from the plain 得分 header."""
    return "" if text is None else _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).rstrip(":")


def canonical(text: object) -> str:
    """'其中：公车购置' → '公车购置'; '1、公务用车购置和维护经费' → '公务用车购置和维护经费'; '年初预算数\\n(万元)' → '年初预算数'."""
    if text is None:
        return ""
    return _canonical_text(text) if type(text) is str else _canonical_text(str(text))


@memo_text(8192)
def _canonical_text(text: str) -> str:
    out = unicodedata.normalize("NFKC", text)
    out = _SPACE.sub("", out).replace("\u3000", "")
    out = out.rstrip(":")
    out = _UNIT_SUFFIX.sub("", out)
    out = _MARKER.sub("", out)
    out = _NUMBERING.sub("", out)
    out = _OF_WHICH.sub("", out).rstrip(":")
    return SYNONYMS.get(out, out)


# What recalc writes into a workbook, told apart from the user's own sheets and notes.
NOTE_MARKER = "【自评检查】"  # starts every note recalc writes
LIST_SHEET = "问题清单"
LIST_TITLE = NOTE_MARKER + LIST_SHEET  # in A1: tells our list from a user's sheet of the same name
RECORD_SHEET = "_自评检查记录"


def is_our_sheet(name: str, a1: object) -> bool:
    """A sheet recalc made (问题清单 or the record sheet), which readers must not take for a form."""
    return name == RECORD_SHEET or a1 == LIST_TITLE


# What a person types in an indicator's name or target when it does not apply this year: 不涉及 says
# the same as 不适用. The one list every module asks through is_not_applicable.
NOT_APPLICABLE_WORDS = frozenset({"不适用", "不涉及", "n/a", "na"})


def is_not_applicable(text: object) -> bool:
    """'不适用', '不涉及', 'N/A' (any width, spacing or trailing colon) → True."""
    return canonical(text).lower() in NOT_APPLICABLE_WORDS
