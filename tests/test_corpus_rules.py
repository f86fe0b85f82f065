"""Rules that close gaps of the real corpus (tests/real), each on the published form's own figures typed in memory.

The rows are shortened copies of tests/real/forms/*.toml (青神, 天长, 长江禁捕, 贯塘, 上海 援滇, 南岳); every
expected figure is worked out by hand in the comment beside it, and each test also checks a correct
variant of the same form, so a rule that fires on everything fails too.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from sichuan_rows import MERGES, qingshen

from xl_selfeval.engine import run_engine
from xl_selfeval.findings import Finding, Outcome, Severity
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.scoring import IndicatorKind, classify
from xl_selfeval.settings import load_profile
from xl_selfeval.values import parse_value

Rows = list[list[object]]
NEGATIVE, POSITIVE = IndicatorKind.NEGATIVE, IndicatorKind.POSITIVE
# The 项目 layout's indicator header, as 金寨 and 稷山 print it (``put`` copies before it edits).
INDICATOR_HEADER: list[object] = [
    "绩效指标",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]


def pct(x: float, places: int = 2) -> CellData:
    """A rate typed as 100.00% (stored as 1.0 with a percent format)."""
    return CellData(x, number_format="0" + ("." + "0" * places if places else "") + "%")


def check(sheet: str, rows: Rows, merged: tuple[str, ...] = ()) -> Outcome:
    return run_engine([Grid.from_rows(sheet, rows, merged)], load_profile("全国"))


def found(outcome: Outcome, code: str) -> list[Finding]:
    return [f for f in outcome.findings if f.code == code]


def at(outcome: Outcome, code: str) -> list[str]:
    return [f"{f.cell.sheet}!{f.cell.address}" for f in found(outcome, code)]


def the_warning(outcome: Outcome, code: str, cell: str) -> Finding:
    """The one finding of ``code`` there is, on ``cell``, at warning level."""
    assert at(outcome, code) == [cell]
    hit = found(outcome, code)[0]
    assert hit.severity is Severity.WARNING
    return hit


def serious_at(outcome: Outcome, cell: str) -> list[Finding]:
    return [
        f
        for f in outcome.findings
        if f"{f.cell.sheet}!{f.cell.address}" == cell and f.severity is not Severity.INFO
    ]


def put(rows: Rows, row: int, col: int, value: object) -> Rows:
    """A copy of ``rows`` with the cell at 1-based (row, col) replaced."""
    out = copy.deepcopy(rows)
    line = out[row - 1]
    line.extend([""] * (col - len(line)))
    line[col - 1] = value
    return out


# --- 青神 (四川 2023, 工资性支出): both indicators filed with 完成值 and 得分 blank --------------------------
# The published form down to its 合计 row (tests/sichuan_rows.py); 评价结论 and the signatures left off.

QINGSHEN_MERGED = tuple(m for m in MERGES if m != "B20:K20")
QINGSHEN: Rows = qingshen()[:19]


def test_qingshen_blank_actual_and_score_warn_on_each_indicator() -> None:
    # Rows 17 and 18: 完成值 (H) and 得分 (J) both blank against the target 100 (%), 权重 60 and 30.
    outcome = check("自评表", QINGSHEN, QINGSHEN_MERGED)
    assert at(outcome, "indicator_unfilled") == ["自评表!H17", "自评表!H18"]
    first = found(outcome, "indicator_unfilled")[0]
    assert first.severity is Severity.WARNING
    assert first.message.startswith("自评表!H17 指标“发放（缴纳）覆盖率”实际完成值和得分都未填")


def test_qingshen_filled_row_is_not_unfilled() -> None:
    # 完成值 100 and 得分 60 typed on row 17: only row 18 is left unfilled.
    rows = put(put(QINGSHEN, 17, 8, 100), 17, 10, 60)
    assert at(check("自评表", rows, QINGSHEN_MERGED), "indicator_unfilled") == ["自评表!H18"]


def test_a_form_not_yet_evaluated_gets_one_finding_not_one_per_row() -> None:
    # The same form before the year's figures: no 执行数, no 完成值, no 得分 anywhere (as `new --from` makes it).
    rows = copy.deepcopy(QINGSHEN)
    for r in (11, 12, 13, 14):
        for c in (3, 4, 5, 6):
            rows = put(rows, r, c, "")
    outcome = check("自评表", rows, QINGSHEN_MERGED)
    hits = found(outcome, "indicator_unfilled")
    assert at(outcome, "indicator_unfilled") == ["自评表!H17"]
    assert "本表尚未自评：2个绩效指标的实际完成值和得分都未填（第17、18行）" in hits[0].message


# --- 天长 (安徽 2022, 水旱灾害防御经费): 执行率 blank, its 得分 10 typed --------------------------------------

TIANCHANG_MERGED = ("A1:I1", "A2:I2", "B3:I3", "A5:A9", "A10:A11", "B10:E10", "F10:I10", "B11:E11", "F11:I11")
TIANCHANG: Rows = [
    ["项目支出绩效自评表"],
    ["（2022年度）"],
    ["项目名称", "水旱灾害防御经费"],
    ["主管部门", "", "", "", "实施单位", "天长市水利局"],
    [
        "项目资金（万元）",
        "",
        "年初预算数",
        "全年预算数（A）",
        "全年执行数（B）",
        "分值",
        "执行率（B/A）",
        "得分",
        "",
    ],
    ["", "年度资金总额：", 880, 880, 880, 10, "", 10, ""],
    ["", "其中：本年财政拨款", 880, 880, 880, "-", "", "-", ""],
    ["", "上年结转资金", "", "", "", "-", "", "-", ""],
    ["", "其他资金", "", "", "", "-", "", "-", ""],
    ["年度总体目标完成情况", "预期目标", "", "", "", "实际完成情况"],
    ["", "完成年度防汛工作。", "", "", "", "完成年度目标。"],
    [
        "年度绩效指标完成情况",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ],
    ["", "产出指标", "数量指标", "完成中型灌区节水改造项目数量", 1, 1, 90, 90, ""],
    ["总分", "", "", "", "", "", 100, 100, ""],
]


def test_tianchang_blank_rate_beside_a_typed_score_is_a_warning() -> None:
    # G6 blank while H6 holds 10; the rate the table gives is 880 ÷ 880 = 100.00%.
    outcome = check("项目自评", TIANCHANG, TIANCHANG_MERGED)
    hit = the_warning(outcome, "rate_blank_but_scored", "项目自评!G6")
    assert "执行率得分却填了10" in hit.message and "100.00%（880.00÷880.00）" in hit.message
    assert hit.fix is not None and str(hit.fix.value) == "1.0000"  # recalc still fills 100.00%
    assert at(outcome, "derived_blank") == []


def test_tianchang_blank_rate_and_blank_score_stay_a_fill_in() -> None:
    # Both blank: nothing typed to doubt, recalc fills 100.00% and 10.00 (info only).
    outcome = check("项目自评", put(TIANCHANG, 6, 8, ""), TIANCHANG_MERGED)
    assert at(outcome, "rate_blank_but_scored") == []
    assert at(outcome, "derived_blank") == ["项目自评!G6", "项目自评!H6"]


# --- 长江禁捕 (2020, 渔业成品油价格改革补贴): 满意度 完成值 “≥90%” against the target 90% ----------------------

JINBU_MERGED = ("A1:G1", "A2:C2", "D2:G2", "B3:G3", "C4:D4", "F4:G4", "A10:A15", "B11:B13")
JINBU: Rows = [
    ["2020年度长江禁捕项目自评表"],
    ["单位名称：农业工作科", "", "", "填报日期："],
    ["项目名称", "渔业成品油价格改革补贴"],
    ["主管部门", "区市场监督管理局", "", "", "项目实施单位", "农业科"],
    ["项目类别", "1、部门预算项目☑"],
    ["项目属性", "2、新增性项目☑"],
    ["项目类型", "3、一次性项目☑"],
    ["预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）"],
    ["年度财政资金总额", 1.56, 1.56, 1, 20],
    [
        "年度绩效目标（80分）",
        "一级指标",
        "二级指标",
        "三级指标",
        "年初目标值（A）",
        "实际完成值（B）",
        "得分",
    ],
    ["", "产出指标", "数量指标", "补贴渔船数", 6, 6, 20],
    ["", "", "质量指标", "渔船补贴发放率", pct(1.0, 0), pct(1.0, 0), 10],
    ["", "", "时效指标", "12月底之前完成", pct(1.0, 0), pct(1.0, 0), 10],
    ["", "效益指标", "", "", "", "", ""],
    ["", "满意度指标", "服务对象满意度", "退捕渔民抽样调查满意度", pct(0.9, 0), "≥90%", 40],
    ["总分", "", "", "", "", "", 100],
]


def test_jinbu_actual_that_restates_the_target_with_its_bound_is_a_warning() -> None:
    # F15 “≥90%” is the target 90% with ≥ put before it: no survey result. F11 6 = 6 and F12 100% are measures.
    outcome = check("自评表", JINBU, JINBU_MERGED)
    hit = the_warning(outcome, "actual_copies_target", "自评表!F15")
    assert "“≥90%”带着比较符，只是重复了年度指标值90%" in hit.message


def test_jinbu_measured_actuals_are_not_a_restated_target() -> None:
    # A measured 92% (a number), an actual “=90%” (reads as 90%) and “≥85%” (a bound on another figure).
    for actual in (pct(0.92, 0), "=90%", "≥85%"):
        outcome = check("自评表", put(JINBU, 15, 6, actual), JINBU_MERGED)
        assert at(outcome, "actual_copies_target") == [], actual


# --- 上海 援滇 (2022): 全年执行数 9034 over source lines whose 全年执行数 are all blank -----------------------

YUANDIAN_MERGED = ("A1:I1", "A2:I2", "B3:I3", "B4:E4", "G4:I4", "A5:A9", "F7:H7", "F8:H8", "F9:H9")
YUANDIAN: Rows = [
    ["财政项目支出绩效自评表"],
    ["(2022 年度)"],
    ["项目名称", "援滇对口支援及结对帮扶经费"],
    ["主管部门", "上海市普陀区体育局", "", "", "", "实施单位", "上海市普陀区体育事业管理中心"],
    ["项目资金(元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["", "年度资金总额", 20000, 20000, 9034, 10, pct(0.4517), 4.52],
    ["", "其中:当年财政拨款", 0, 0, "", "—"],
    ["", "上年结转资金", 0, 0, "", "—"],
    ["", "其他资金", 0, 0, "", "—"],
]


def test_yuandian_total_over_blank_source_lines_in_use_is_a_sum_error() -> None:
    # C6 and D6: 20000 against 0+0+0 (as before); E6: 9034 against three blank 执行数 on lines that hold
    # 0s in the other columns, which add up to 0. The rate 9034 ÷ 20000 = 45.17% (G6) stays clean.
    outcome = check("援滇", YUANDIAN, YUANDIAN_MERGED)
    assert at(outcome, "sum_wrong") == ["援滇!C6", "援滇!D6", "援滇!E6"]
    e6 = next(f for f in outcome.findings if f.code == "sum_wrong" and f.cell.address == "E6")
    assert "为9034.00，但各资金来源行的这一列都未填" in e6.message
    assert e6.fix is None  # which side is missing is for the unit to say
    assert serious_at(outcome, "援滇!G6") == []


def test_a_total_alone_on_its_table_is_not_summed_against_blank_lines() -> None:
    # Only the 年度资金总额 line filled (many forms do so): nothing to add up in any column.
    rows = copy.deepcopy(YUANDIAN)
    for r in (7, 8, 9):
        rows = put(put(rows, r, 3, ""), r, 4, "")
    assert at(check("援滇", rows, YUANDIAN_MERGED), "sum_wrong") == []


# --- 贯塘 (湖南 2023 附件二): 按支出性质分:1925.67 typed in the list's header, 全年执行数 2030.12 -------------

GUANTANG_MERGED = ("A1:H1", "B2:H2", "A3:A9", "B5:E5", "F5:H5", "B6:E6", "F6:H6", "B7:E7", "F7:H7")
GUANTANG: Rows = [
    ["2023年度部门整体支出绩效自评表"],
    ["预算部门、单位名称", "衡山县贯塘乡人民政府"],
    ["年度预算申请(万元", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "自评得分"],
    ["", "年度资金总额", 861.10, 2030.12, 2030.12, 10, pct(1.0, 0), 10],
    ["", "按收入性质分:2030.12", "", "", "", "按支出性质分:1925.67"],
    ["", "其中: 一般公共预算:1325.68", "", "", "", "其中:基本支出:900.47"],
    ["", "政府性基金拨款:118.82", "", "", "", "项目支出:1025.20"],
    ["", "纳入专户管理的非税收入拨款:", "", "", "", ""],
    ["", "其他资金:585.62", "", "", "", ""],
]


def test_guantang_split_mismatch_lands_on_the_total_typed_in_the_header() -> None:
    # 按支出性质分 900.47 + 1025.20 = 1925.67 (as F5 says) against 全年执行数 2030.12: named on F5, not on the
    # 基本支出 F6. 按收入性质分 1325.68 + 118.82 + 585.62 = 2030.12 = 全年预算数: B5 stays clean.
    outcome = check("附件二", GUANTANG, GUANTANG_MERGED)
    assert at(outcome, "split_mismatch") == ["附件二!F5"]
    assert serious_at(outcome, "附件二!B5") == []


def test_guantang_header_total_that_disagrees_with_its_own_parts_is_named() -> None:
    # Parts 900.47 + 1129.65 = 2030.12 = 全年执行数, but the header still says 1925.67: the header is wrong.
    outcome = check("附件二", put(GUANTANG, 7, 6, "项目支出:1129.65"), GUANTANG_MERGED)
    hits = found(outcome, "split_mismatch")
    assert [f.cell.address for f in hits] == ["F5"]
    assert "900.47+1129.65=2030.12，表中合计写的是1925.67，而全年执行数为2030.12" in hits[0].message


def test_a_split_without_a_header_total_is_named_on_its_first_part() -> None:
    # The header without its amount: the finding stays on 基本支出 (F6), as before.
    outcome = check("附件二", put(GUANTANG, 5, 6, "按支出性质分:"), GUANTANG_MERGED)
    assert at(outcome, "split_mismatch") == ["附件二!F6"]


def test_jinbu_level1_with_no_indicator_row_is_a_warning() -> None:
    # Row 14: 效益指标 in B14 and nothing else on the row; 产出 (rows 11–13) and 满意度 (row 15) have rows.
    outcome = check("自评表", JINBU, JINBU_MERGED)
    hit = the_warning(outcome, "level1_without_indicators", "自评表!B14")
    assert "一级指标“效益指标”下没有任何三级指标" in hit.message


def test_jinbu_with_its_benefit_row_filled_has_every_level1() -> None:
    # The 效益 row given an indicator (社会效益 渔民转产就业 100% = 100%, 10): nothing is missing.
    rows = copy.deepcopy(JINBU)
    rows[13] = ["", "效益指标", "社会效益指标", "渔民转产就业", pct(1.0, 0), pct(1.0, 0), 10]
    assert at(check("自评表", rows, JINBU_MERGED), "level1_without_indicators") == []


def test_a_level1_label_naming_two_counts_for_both_and_an_empty_block_is_a_template() -> None:
    # 黄冈's '效益指标 满意度指标' over one row covers both; a block with no indicator at all says nothing.
    rows = copy.deepcopy(JINBU)
    rows[13] = ["", "", "", "", "", "", ""]
    rows[14] = [
        "",
        "效益指标 满意度指标",
        "服务对象满意度",
        "退捕渔民抽样调查满意度",
        pct(0.9, 0),
        pct(0.92, 0),
        40,
    ]
    assert at(check("自评表", rows, JINBU_MERGED), "level1_without_indicators") == []
    empty = [r if i < 10 or i == 15 else ["", r[1] if len(r) > 1 else ""] for i, r in enumerate(JINBU)]
    assert at(check("自评表", empty, JINBU_MERGED), "level1_without_indicators") == []


# --- 青神: the template's instructions left in 评价结论, 存在问题, 改进措施 -------------------------------------

QINGSHEN_TAIL: Rows = [
    ["评价结论", "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）"],
    ["存在问题", "结合自评情况，分析存在的问题及原因。（200字以内）"],
    ["改进措施", "针对项目自评中发现的问题，提出下一步改进完善的意见及有关政策性建议。（200字以内）"],
    ["项目负责人：", "", "", "", "", "财务负责人："],
]
TAIL_MERGED = ("B20:K20", "B21:K21", "B22:K22", "A23:E23", "F23:K23")


def test_qingshen_instruction_text_left_in_the_conclusion_is_a_warning() -> None:
    # B20–B22 still hold the template's “…（200字以内）” instructions: no conclusion, no problems, no measures.
    outcome = check("自评表", QINGSHEN + QINGSHEN_TAIL, QINGSHEN_MERGED + TAIL_MERGED)
    hits = found(outcome, "instruction_text_left")
    assert [f.cell.address for f in hits] == ["B20", "B21", "B22"]
    assert hits[0].severity is Severity.WARNING
    assert hits[0].message.startswith("自评表!B20 “结合自评情况，说明项目自评总分")


def test_the_units_own_words_and_the_forms_footnote_are_not_instructions() -> None:
    # The conclusion written (自评得分 …), and a 注： footnote of the form that mentions a length limit.
    tail = copy.deepcopy(QINGSHEN_TAIL)
    tail[0][1] = "项目自评总分100分，工资及社保足额按时发放，参保率100%。"
    tail[1][1] = "注：本栏由单位填写（200字以内）"
    tail[2][1] = "无"
    outcome = check("自评表", QINGSHEN + tail, QINGSHEN_MERGED + TAIL_MERGED)
    assert at(outcome, "instruction_text_left") == []


# --- 南岳 (湖南 2020): 236.25万元 in the title, 236 in the funds table -----------------------------------
# The published 资金情况 table (合计 | 年初预算资金总额 | 实际投入资金额) is not read yet (the reader's work, corpus
# gap 南岳 C5), so its figures are typed here in the project layout the reader knows, under the published title
# with 项目支出 for its 部门整体 (the form is one fund's).

NANYUE: Rows = [
    ["2020年忠烈祠免费开放经费236.25万元项目支出绩效自评表"],
    ["项目名称", "忠烈祠免费开放经费"],
    ["主管部门", "南岳区民族宗教事务局", "", "", "实施单位", "南岳区民族宗教事务局"],
    ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["", "年度资金总额", 236, "", 236, 10, "", ""],
    ["", "其中：当年财政拨款", 236, "", 236],
    ["", "其他资金", "", "", ""],
    ["年度总体目标", "预期目标", "", "", "", "实际完成情况"],
    ["", "认真完成年度各项工作任务", "", "", "", "通过文物保护专项经费的支出，促进文化遗产的保护"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
    ["", "产出指标", "数量指标", "管理忠烈祠面积", "=230亩", "=230亩", 90, 90],
]
NANYUE_MERGED = ("A1:H1", "A4:A7", "A8:A9", "A10:A11")


def test_nanyue_title_amount_that_the_table_does_not_bear_out_is_a_warning() -> None:
    # Title 236.25万元; the table's 年初预算数 (C5) and 全年执行数 (E5) are 236: 0.25 apart, no 全年预算数.
    outcome = check("自评表", NANYUE, NANYUE_MERGED)
    hit = the_warning(outcome, "title_amount_mismatch", "自评表!C5")
    assert "标题写的是236.25万元，表中年度资金总额（年初预算数）为236.00，相差0.25" in hit.message
    assert [r.address for r in hit.related] == ["A1"]


def test_a_title_amount_the_table_bears_out_is_not_flagged() -> None:
    # The title's 236.25 typed as the 全年预算数 (D5); then as the 全年执行数 of a table kept in 元 (2362500).
    assert at(check("自评表", put(NANYUE, 5, 4, 236.25), NANYUE_MERGED), "title_amount_mismatch") == []
    in_yuan = put(put(put(NANYUE, 5, 3, 2362500), 5, 5, 2362500), 6, 3, 2362500)
    assert at(check("自评表", put(in_yuan, 6, 5, 2362500), NANYUE_MERGED), "title_amount_mismatch") == []


def test_an_amount_in_a_header_text_is_compared_too() -> None:
    # The title without its amount, the project name stating 236.25万元: the same warning, from the 表头.
    rows = put(put(NANYUE, 1, 1, "2020年项目支出绩效自评表"), 2, 2, "忠烈祠免费开放经费（236.25万元）")
    hits = found(check("自评表", rows, NANYUE_MERGED), "title_amount_mismatch")
    assert [f.cell.address for f in hits] == ["C5"]
    assert "表头写的是236.25万元" in hits[0].message and [r.address for r in hits[0].related] == ["B2"]


# --- 金寨 (安徽 2023, 茶谷和美丽乡村建设服务中心 部门整体 in the 项目 layout): 全年执行数 above 全年预算数 ----------

JINZHAI_MERGED = ("A1:I1", "A2:I2", "B3:I3", "A4:A8", "A9:A10", "B9:E9", "F9:I9", "B10:E10", "F10:I10")
JINZHAI_MERGED += ("A11:A19", "B12:B19", "C12:C15", "C16:C17", "C18:C19")
JINZHAI: Rows = [
    ["部门整体支出绩效自评表"],
    ["（2023年度）"],
    ["部门", "金寨县茶谷和美丽乡村建设服务中心"],
    ["预算资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["", "年度资金总额", 329.77, 329.77, 338.31, 10, pct(1.0259), ""],
    ["", "其中：当年财政拨款", 329.77, 329.77, 338.31, "—", pct(1.0259), "—"],
    ["", "上年结转资金", "", "", "", "—", "", "—"],
    ["", "其他资金", "", "", "", "—", "", "—"],
    ["年度总体目标", "预期目标", "", "", "", "实际完成情况"],
    ["", "1.建设徽风皖韵美丽乡村。", "", "", "", "3.完成农村户用卫生厕所改造3061户。"],
    INDICATOR_HEADER,
    ["", "产出指标", "数量指标", "指标1：开展精品示范村建设数量", "≤4", "4", 10, 10, ""],
    ["", "", "", "指标2：建设美丽宜居自然村庄数量", "≥200", "202", 10, 10, ""],
    ["", "", "", "指标3：完成农村户用卫生厕所改造数量", "≥2000", "3061", 10, 10, ""],
    ["", "", "", "指标4：新建省级中心村数量", "≥10", "10", 10, 10, ""],
    ["", "", "质量指标", "指标1：美丽宜居自然村庄验收通过率", "≥95%", pct(1.0, 0), 5, 5, ""],
    ["", "", "", "指标2：户用卫生厕所改造验收通过率", "≥95%", pct(1.0, 0), 5, 5, ""],
    ["", "", "时效指标", "指标1：完成美丽宜居自然村庄验收时间", "9月前", "7月", 5, 5, ""],
    ["", "", "", "指标2：完成户用卫生厕所改造验收时间", "11月前", "10月", 5, 5, ""],
]


def test_jinzhai_spending_above_budget_is_named_on_the_rate_that_shows_it() -> None:
    # 338.31 ÷ 329.77 = 1.025896… → 102.59%: the rate G5 is right but above 100%; the warning names G5,
    # with the 全年执行数 E5 as related, and not the 其中 line's G6 (same rate, the total row speaks for it).
    outcome = check("部门整体", JINZHAI, JINZHAI_MERGED)
    hit = the_warning(outcome, "executed_above_budget", "部门整体!G5")
    assert "全年执行数338.31大于全年预算数329.77（执行率102.59%）" in hit.message
    assert [f"{r.sheet}!{r.address}" for r in hit.related] == ["部门整体!E5"]
    assert (hit.expected, hit.actual) == ("≤100%", "102.59%")
    assert serious_at(outcome, "部门整体!G6") == []


def test_jinzhai_unit_is_read_from_its_label_部门() -> None:
    # 金寨 labels its unit 部门, not 部门名称 or 单位名称: the batch review's 单位 column names the unit.
    from xl_selfeval.review import unit_of_forms

    outcome = check("部门整体", JINZHAI, JINZHAI_MERGED)
    assert unit_of_forms(outcome.forms) == "金寨县茶谷和美丽乡村建设服务中心"


def test_jinzhai_spending_within_budget_is_not_flagged() -> None:
    # 全年执行数 329.77 on both lines: 100.00%, nothing to explain.
    rows = put(put(JINZHAI, 5, 5, 329.77), 6, 5, 329.77)
    rows = put(put(rows, 5, 7, pct(1.0)), 6, 7, pct(1.0))
    assert at(check("部门整体", rows, JINZHAI_MERGED), "executed_above_budget") == []


def test_jinzhai_blank_execution_score_beside_weight_and_rate_is_a_warning() -> None:
    # H5 blank while F5 holds 10 and G5 102.59%: 10 × min(102.59%, 100%) = 10.00.
    outcome = check("部门整体", JINZHAI, JINZHAI_MERGED)
    hit = the_warning(outcome, "execution_score_blank", "部门整体!H5")
    assert "应为10.00（10.00×min(102.59%,100%)）" in hit.message
    assert hit.fix is not None and str(hit.fix.value) == "10.00"  # recalc still fills it
    assert at(outcome, "derived_blank") == []


def test_jinzhai_blank_rate_and_blank_score_stay_a_fill_in() -> None:
    # G5 and H5 both blank (as a template leaves them beside a printed 分值): recalc fills 102.59% and 10.00.
    outcome = check("部门整体", put(JINZHAI, 5, 7, ""), JINZHAI_MERGED)
    assert at(outcome, "execution_score_blank") == []
    assert "部门整体!H5" in at(outcome, "derived_blank")


def test_jinzhai_over_achievement_with_a_blank_deviation_is_a_warning() -> None:
    # 改厕 3061 against ≥2000: 3061 ÷ 2000 = 153.05% ≥ 130% (全国), 偏差原因 I14 blank.
    outcome = check("部门整体", JINZHAI, JINZHAI_MERGED)
    hit = the_warning(outcome, "over_achievement_unexplained", "部门整体!I14")
    assert "实际完成值3061远超年度指标值≥2000（达到130%以上）" in hit.message


def test_jinzhai_over_achievement_explained_or_below_the_threshold_is_not_flagged() -> None:
    # Explained in I14; or 2500 against ≥2000 = 125% < 130%: nothing to explain.
    explained = put(JINZHAI, 14, 9, "群众改厕意愿高，超额完成；下年度按实际需求调整目标")
    assert at(check("部门整体", explained, JINZHAI_MERGED), "over_achievement_unexplained") == []
    below = put(JINZHAI, 14, 6, "2500")
    assert at(check("部门整体", below, JINZHAI_MERGED), "over_achievement_unexplained") == []


# --- 稷山 (山西 2021, 国家基本公共卫生服务): “随访控制数” counts patients kept under control ------------------
# Scores are typed to one decimal. The budget block is typed as a full year (207.4538 = 207.4538) here.

JISHAN_MERGED = ("A1:I1", "A2:I2", "B3:I3", "A5:A9", "A10:A11", "B10:E10", "F10:I10", "A12:A18")
JISHAN: Rows = [
    ["稷山县项目支出绩效自评表"],
    ["（2021年度）"],
    ["项目名称", "国家基本公共卫生服务"],
    ["主管部门", "稷山县卫生健康和体育局", "", "", "实施单位", "稷山县翟店镇卫生院"],
    ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["", "年度资金总额", 207.4538, 207.4538, 207.4538, 10, pct(1.0, 0), 10],
    ["", "其中：当年财政拨款", 207.4538, 207.4538, 207.4538, "—", pct(1.0, 0), "—"],
    ["", "上年结转资金", "", "", "", "", "", ""],
    ["", "其他资金", "", "", "", "", "", ""],
    ["年度总体目标", "预期目标", "", "", "", "实际完成情况"],
    ["", "国家基本公共卫生服务", "", "", "", "国家基本公共卫生服务"],
    INDICATOR_HEADER,
    [
        "",
        "产出指标",
        "数量指标",
        "指标8：适龄儿童疫苗接种率",
        pct(1.0),
        pct(0.973),
        2,
        1.9,
        "个别儿童未按时接种",
    ],
    ["", "", "", "指标16：高血压规范管理数", "3807人", "3224人", 2, 1.7, "部分患者外出务工"],
    ["", "", "", "指标17：高血压随访控制数", "3807人", "3220人", 2, 1.8, "部分患者外出务工"],
    ["", "", "", "指标18：糖尿病规范管理数", "863人", "695人", 2, 1.6, "部分患者外出务工"],
    ["", "", "", "指标19：糖尿病随访控制数", "863人", "683人", 2, 1.7, "部分患者外出务工"],
    ["", "", "", "指标21：肺结核健康规范管理数", "8例", "8例", 2, 2, ""],
]


def test_jishan_control_counts_are_more_is_better() -> None:
    # 高血压随访控制数: 2 × 3220 ÷ 3807 = 1.6916 → 1.7 (typed 1.8); 糖尿病: 2 × 683 ÷ 863 = 1.5829 → 1.6
    # (typed 1.7). Read as ceilings they would get the full 2.00 (“未超过年度指标值”).
    outcome = check("自评表", JISHAN, JISHAN_MERGED)
    hits = {f.cell.address: f for f in found(outcome, "score_differs_from_rule")}
    assert set(hits) == {"H15", "H17"}
    assert "3220人未达到年度指标值3807人" in hits["H15"].message
    assert "683人未达到年度指标值863人" in hits["H17"].message
    # The rule's score is given as the form types its scores (one decimal), the exact figure in the reason.
    assert [(hits[c].expected, hits[c].actual) for c in ("H15", "H17")] == [("1.7", "1.8"), ("1.6", "1.7")]
    assert "应得1.7（" in hits["H15"].message and "=1.69计分" in hits["H15"].message
    for cell, typed_right in (("H15", 1.7), ("H17", 1.6)):  # the one-decimal score worked out by hand
        row = int(cell[1:])
        fixed = put(JISHAN, row, 8, typed_right)
        assert [
            f.cell.address for f in found(check("自评表", fixed, JISHAN_MERGED), "score_differs_from_rule")
        ] == [a for a in ("H15", "H17") if a != cell]


def test_a_blank_score_on_a_one_decimal_form_is_filled_as_the_form_types_scores() -> None:
    # 稷山 types its scores to one decimal; 高血压随访控制数 left blank: 2 × 3220 ÷ 3807 = 1.6916 → 1.7, written
    # as 1.7 in a 0.0 format (a 1.69 would be the only two-decimal score on the form).
    outcome = check("自评表", put(JISHAN, 15, 8, ""), JISHAN_MERGED)
    (blank,) = found(outcome, "score_blank")
    assert blank.cell.address == "H15" and blank.expected == "1.7"
    assert "按规则建议1.7（" in blank.message
    assert blank.fix is not None and blank.fix.value == Decimal("1.7") and blank.fix.number_format == "0.0"


def test_an_indicator_published_without_its_name_is_named_by_its_row() -> None:
    # 稷山 printed 指标3 (不少于6种, 实际28种, 1 of 1 point) with its 三级指标 cell blank; 28 ÷ 6 = 467 % is
    # far beyond the target, so its 偏差原因 is asked for: the message names the row, not 指标“”.
    unnamed = [(4, ""), (5, "不少于6种"), (6, "28种"), (7, 1), (8, 1), (9, "")]
    rows = JISHAN
    for col, value in unnamed:
        rows = put(rows, 13, col, value)
    outcome = check("自评表", rows, JISHAN_MERGED)
    (over,) = found(outcome, "over_achievement_unexplained")
    assert over.cell.address == "I13"
    assert over.message.startswith("自评表!I13 第13行的指标（未填名称）实际完成值28种远超年度指标值不少于6种")
    assert "“”" not in " ".join(f.message for f in outcome.findings)


def test_quotes_inside_an_indicators_name_nest_in_the_message() -> None:
    # 重庆 2021 names an indicator “三公”经费控制率: the message quotes it as 指标“‘三公’经费控制率”.
    rows = JISHAN
    for col, value in [(4, "“三公”经费控制率"), (5, "100%"), (6, ""), (7, 2), (8, 2), (9, "")]:
        rows = put(rows, 13, col, value)
    (blank,) = found(check("自评表", rows, JISHAN_MERGED), "actual_blank_but_scored")
    assert "指标“‘三公’经费控制率”实际完成值为空" in blank.message


def test_a_control_figure_of_money_or_a_control_within_stays_a_ceiling() -> None:
    # 成本控制在预算内 5487.8万元 (the bundled example), 预算控制数 90万元 and 人员控制在编制内 46 (bare) are
    # ceilings (80 of 90, 44 of 46 meet them); a 血压控制率 and a 控制人数 count what was achieved.
    assert classify(parse_value("5487.8万元"), parse_value("4791.96万元"), "成本控制在预算内") is NEGATIVE
    assert classify(parse_value("90万元"), parse_value("80万元"), "预算控制数") is NEGATIVE
    assert classify(parse_value("46"), parse_value("44"), "人员控制在编制内") is NEGATIVE
    assert classify(parse_value("60%"), parse_value("55%"), "高血压患者血压控制率") is POSITIVE
    assert classify(parse_value("500"), parse_value("480"), "糖尿病患者血糖控制人数") is POSITIVE


# --- 服务贸易 (2020, 市级服务贸易发展资金): 一级 labels state weights, the template has no 分值 column --------------

FUWU_MERGED = ("A1:G1", "A2:C2", "D2:G2", "B3:G3", "A10:A18", "B11:B16", "B17:B18", "C11:C13", "C15:C16")
FUWU: Rows = [
    ["2020年市级服务贸易发展资金项目自评表"],
    ["单位名称：区商务局", "", "", "填报日期：2021年4月22日"],
    ["项目名称", "2020年市级服务贸易发展资金"],
    ["主管部门", "区商务局", "", "", "项目实施单位", "投资促进中心"],
    ["项目类别", "1、部门预算项目 2、区直专项"],
    ["项目属性", "1、持续性项目 2、新增性项目□"],
    ["项目类型", "1、常年性项目 2、延续性项目□ 3、一次性项目□"],
    ["预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）"],
    ["年度财政资金总额", 285.84, 285.84, pct(1.0, 0), 20],
    [
        "年度绩效目标（80分）",
        "一级指标",
        "二级指标",
        "三级指标",
        "年初目标值（A）",
        "实际完成值（B）",
        "得分",
    ],
    ["", "产出指标（60分）", "数量指标", "服务外包在岸（万美元）", 20000, 23333.56, 10],
    ["", "", "", "服务外包离岸（万美元）", 4500, 4557.51, 10],
    ["", "", "", "支持服务贸易、服务外包企业数量", 3, 3, 10],
    ["", "", "质量指标", "企业国际质量提升", "获得目的国（地区）受众欢迎", "受目的国受众欢迎显著", 10],
    ["", "", "时效指标", "预算资金执行率", pct(0.9, 0), pct(1.0, 0), 10],
    ["", "", "", "资金拨付及时性", "98%以上", pct(1.0, 0), 10],
    ["", "效益指标（40分）", "社会效益指标", "企业把握政治导向和文化方向情况", "评价", "较好", 20],
    [
        "",
        "",
        "可持续影响指标",
        "推动企业走出去方面发挥的作用",
        "是否利于企业走出去",
        "有利于推动企业走出去",
        20,
    ],
    ["总分", "", "", "", "", "", 100],
]


def test_fuwumaoyi_stated_level1_weights_without_a_weight_column_are_not_summed() -> None:
    # No 分值 column: nothing to add up under 产出指标（60分）/效益指标（40分）, so no “合计为0.00分” warning.
    # The form's real error stays: 总分 = 20 + 60 + 40 = 120, typed 100 (G19).
    outcome = check("自评表", FUWU, FUWU_MERGED)
    assert at(outcome, "level1_weight_mismatch") == []
    assert serious_at(outcome, "自评表!B11") == [] and serious_at(outcome, "自评表!B17") == []
    assert at(outcome, "total_score_wrong") == ["自评表!G19"]


def test_stated_level1_weights_are_still_summed_where_the_form_has_a_weight_column() -> None:
    # The same form with a 分值 column typed (10 per 产出 row, 20 per 效益 row) but one 产出 row at 5:
    # 10+10+10+10+10+5 = 55 against 产出指标（60分） → one warning on B11; 效益 20 + 20 = 40 agrees.
    rows = [[*r[:6], "分值", *r[6:]] if i == 9 else r for i, r in enumerate(FUWU)]
    for i in range(10, 18):
        rows[i] = [*rows[i][:6], 5 if i == 15 else rows[i][6], *rows[i][6:]]
    rows[18] = [*rows[18][:6], 100, 100]
    outcome = check("自评表", rows, FUWU_MERGED)
    hit = the_warning(outcome, "level1_weight_mismatch", "自评表!B11")
    assert "标明60分，其下三级指标分值合计为55.00分" in hit.message
