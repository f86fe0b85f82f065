"""Rules that close gaps of the real corpus (tests/real), each on the published form's own figures typed in memory.

The rows are shortened copies of tests/real/forms/*.toml (青神, 天长, 长江禁捕, 贯塘, 上海 援滇, 南岳); every
expected figure is worked out by hand in the comment beside it, and each test also checks a correct
variant of the same form, so a rule that fires on everything fails too.
"""

from __future__ import annotations

import copy

from xl_selfeval.engine import run_engine
from xl_selfeval.findings import Finding, Outcome, Severity
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.settings import load_profile

Rows = list[list[object]]


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
# The published 总额 line is typed 年度资金总额 here: reading 四川's 总额 row is the reader's work (corpus gap H11).

QINGSHEN_MERGED = ("A1:K1", "A2:K2", "B3:K3", "B4:K4", "B5:K5", "A6:A9", "A10:A15", "A16:A19", "B19:H19")
QINGSHEN: Rows = [
    ["报表编号：510000_0013zp"],
    ["部门预算项目支出绩效自评表（2023年度）"],
    ["项目名称", "51000021R000000019951-工资性支出"],
    ["主管部门", "青神县发展和改革局本级"],
    ["实施单位（盖章）", "青神县发展和改革局"],
    ["项目基本情况", "1.项目年度目标完成情况"],
    ["", "项目年度目标", "", "", "", "", "年度目标完成情况"],
    ["", "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳。", "", "", "", "", ""],
    ["", "2.项目实施内容及过程概述"],
    [
        "预算执行情况（10分）",
        "年度预算数（万元）",
        "年初预算",
        "调整后预算数",
        "预算执行数",
        "预算执行率",
        "权重",
        "得分",
    ],
    ["", "年度资金总额", 238.93, 251.89, 251.89, pct(1.0), 10, ""],
    ["", "其中：财政资金", 238.93, 251.89, 251.89, pct(1.0), "/", "/"],
    ["", "财政专户管理资金", 0, 0, 0, pct(0.0), "/", "/"],
    ["", "单位资金", 0, 0, 0, pct(0.0), "/", "/"],
    ["", "其他资金", "", "", "", "", "/", "/"],
    [
        "绩效指标（90分）",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "度量单位",
        "完成值",
        "权重",
        "得分",
        "未完成原因分析",
    ],
    ["", "产出指标", "数量指标", "发放（缴纳）覆盖率", "=", 100, "%", "", 60, "", ""],
    ["", "效益指标", "社会效益指标", "足额保障率（参保率）", "=", 100, "%", "", 30, "", ""],
    ["", "合计", "", "", "", "", "", "", 100, "", ""],
]


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
