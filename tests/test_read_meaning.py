"""The reader by meaning: 一级 labels that only state their points, targets typed in parts, other 二级 tables."""

from __future__ import annotations

import copy

import pytest
from handtyped import PROJECT

from xl_selfeval.engine import run_engine
from xl_selfeval.findings import Finding
from xl_selfeval.grid import CellData, Grid
from xl_selfeval.read import read_forms

SHEET = "附件3"


def seed(edits: dict[tuple[int, int], object]) -> list[list[object]]:
    """The seed's 附件3 rows with (sheet row, 0-based column) set to a value."""
    rows = copy.deepcopy(PROJECT)
    for (r, c), value in edits.items():
        row = rows[r - 1]
        while len(row) <= c:
            row.append(None)
        row[c] = value
    return rows


def findings(rows: list[list[object]]) -> list[Finding]:
    return run_engine([Grid.from_rows(SHEET, rows)]).findings


def test_a_level1_given_only_as_its_points_takes_its_name_from_the_standard_order() -> None:
    # Seed rows 15 (产出指标, Σ分值 40) and 25 (效益指标, Σ30) typed as 天长's form shows them.
    rows = seed({(15, 1): "（40分）", (25, 1): "(30分)"})
    (form,) = read_forms([Grid.from_rows(SHEET, rows)])
    levels = {r.row: r.level1 for r in form.blocks["indicators"]}
    assert levels[15] == levels[24] == "产出指标" and levels[25] == levels[29] == "效益指标"
    assert [(ref.address, name, str(points)) for ref, name, points in form.stated_weights] == [
        ("B15", "产出指标", "40"),
        ("B25", "效益指标", "30"),
    ]
    # Read this way the form draws exactly the seed's own findings: no 0分 weight warning, no new code.
    assert [(f.code, f.cell.address) for f in findings(rows)] == [
        (f.code, f.cell.address) for f in findings(seed({}))
    ]


def test_a_stated_level1_weight_is_checked_against_its_rows() -> None:
    rows = seed({(15, 1): "产出指标（50分）", (25, 1): "效益指标（30分）"})
    found = [f for f in findings(rows) if f.code == "level1_weight_mismatch"]
    assert [(f.cell.address, f.expected, f.actual, f.message) for f in found] == [
        (
            "B15",
            "50.00",
            "40.00",
            "附件3!B15 一级指标“产出指标”标明50分，其下三级指标分值合计为40.00分",
        )
    ]


def test_a_target_typed_over_nature_value_and_unit_is_one_target() -> None:
    # 云南's 年度指标值 over 指标性质 | 指标值 | 度量单位: '≧' '95' '%' is the target ≥95%; ═ reads as =.
    rows = [
        ["项目支出绩效自评表"],
        ["项目名称", "示例项目"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "", "", "实际完成值", "分值", "得分"],
        ["", "", "", "", "指标性质", "指标值", "度量单位", "", "", ""],
        ["", "满意度指标", "服务对象满意度指标", "学生满意度", "≧", "95", "%", "90%", "10", "10"],
        ["", "", "", "政策知晓率", "═", "100", "%", "98%", "10", "9"],
        ["总分", "", "", "", "", "", "", "", "20", "19"],
    ]
    merged = ["A3:A6", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4", "I3:I4", "J3:J4"]
    grid = Grid.from_rows(SHEET, rows, merged=merged)
    (form,) = read_forms([grid])
    targets = [(r.cells["target"].ref.address, r.cells["target"].text) for r in form.blocks["indicators"]]
    assert targets == [("E5", "≧95%"), ("E6", "═100%")]
    codes = {(f.code, f.cell.address) for f in run_engine([grid]).findings}
    # 90% of ≥95%: 10 × 90 ÷ 95 = 9.47, typed 10; 98% of =100%: 9.80, typed 9 (10 even at whole numbers).
    assert ("score_differs_from_rule", "J5") in codes and ("score_differs_from_rule", "J6") in codes


def test_the_precision_of_a_forms_scores_comes_from_what_it_shows() -> None:
    def decimals(edits: dict[tuple[int, int], object]) -> int:
        (form,) = read_forms([Grid.from_rows(SHEET, seed(edits))])
        return form.score_decimals

    whole = {(r, 7): CellData(float(PROJECT[r - 1][7]), number_format="0") for r in (15, 16, 17)}  # type: ignore[arg-type]
    assert decimals({}) == 2  # the seed types '5.00'
    assert decimals({(r, 7): str(PROJECT[r - 1][7])[:-1] for r in range(15, 34) if PROJECT[r - 1][7]}) == 1
    assert (
        decimals({(r, 7): int(float(str(PROJECT[r - 1][7]))) for r in range(15, 34) if PROJECT[r - 1][7]})
        == 2
    )
    assert (
        decimals(
            {(r, 7): v for (r, _), v in whole.items()}
            | {(r, 7): int(float(str(PROJECT[r - 1][7]))) for r in range(18, 34) if PROJECT[r - 1][7]}
        )
        == 0
    )


def test_column_headers_are_read_by_their_words_and_markers() -> None:
    from xl_selfeval.labels import canonical

    assert [canonical(h) for h in ("调整后预算数", "预算数（A）", "全年预算数(A)", "调整预算数（A）")] == [
        "全年预算数"
    ] * 4
    assert [canonical(h) for h in ("实际支出", "预算执行数", "实际执行数", "执行数（B）")] == [
        "全年执行数"
    ] * 4
    assert [canonical(h) for h in ("执行率（B/A）", "预算执行率")] == ["执行率"] * 2
    assert [canonical(h) for h in ("权重", "参考分值")] == ["分值"] * 2
    assert canonical("自评得分") == "得分" and canonical("年度指标值（A）") == "年度指标值"
    assert canonical("实际完成值（B）") == canonical("完成值") == canonical("全年实际值（B）") == "实际完成值"


def test_an_execution_table_without_a_weight_column_takes_the_points_its_header_states() -> None:
    # 湖北's layout: 预算执行情况（万元）（20分） | 预算数（A） | 执行数（B） | 执行率（B/A） | 得分（20分*执行率）.
    rows = [
        ["2021年度财政项目绩效自评表"],
        ["项目名称", "示例项目"],
        [
            "预算执行情况（万元）（20分）",
            "预算数（A）",
            "执行数（B）",
            "执行率（B/A）",
            "得分（20分*执行率）",
        ],
        ["年度财政资金总额", "100", "90", "90%", "18"],
        [
            "年度绩效目标（80分）",
            "一级指标",
            "二级指标",
            "三级指标",
            "年初目标值（A）",
            "实际完成值（B）",
            "得分",
        ],
        ["", "产出指标", "数量指标", "完成数量", "10个", "10个", "80"],
        ["总分", "", "", "", "", "", "98"],
    ]
    outcome = run_engine([Grid.from_rows(SHEET, rows)])
    (form,) = outcome.forms
    weight = form.fields["funds.total.weight"]
    assert (weight.ref.address, weight.number) == ("A3", 20)
    assert [(s.typed_total, s.total) for s in outcome.scores] == [(98, 98)]
    assert [f.message for f in outcome.findings if f.severity.rank < 2] == []


def test_a_budget_execution_row_in_the_indicator_table_is_scored_as_the_execution() -> None:
    # The 10号 共性指标 layout: 预算执行率 is an indicator row; 90 ÷ 100 = 90% → 10 × 90% = 9.00.
    rows = [
        ["项目支出绩效自评表"],
        ["项目名称", "示例项目"],
        ["项目资金（万元）", "", "年初预算数", "调整预算数（A）", "全年执行数（B）", "执行率（B/A）"],
        ["", "年度资金总额", "100", "100", "90", "90%"],
        ["一级指标", "二级指标", "三级指标", "参考分值", "指标值（A）", "全年实际值（B）", "得分", "原因"],
        ["项目管理（10分）", "投入管理", "预算执行率", "10", "—", "90%", "10", "无"],
    ]
    findings = run_engine([Grid.from_rows(SHEET, rows)]).findings
    (f,) = [f for f in findings if f.code == "score_differs_from_rule"]
    assert (f.cell.address, f.expected, f.actual) == ("G6", "9.00", "10")
    assert "10×min(90.00%，100%)，执行率为90÷100" in f.message


def test_a_score_typed_in_the_header_is_checked_against_the_table() -> None:
    # 宁夏: 实施单位 | … | 自评得分 | 98 above a table without a 总分 row whose scores add up to 18.
    rows = [
        ["项目支出绩效自评表"],
        ["项目名称", "示例项目", "主管部门", "某局"],
        ["实施单位", "某校", "自评得分", "98", "财政审核评分", ""],
        ["一级指标", "二级指标", "三级指标", "参考分值", "指标值（A）", "全年实际值（B）", "得分", "原因"],
        ["产出指标", "数量指标", "保障人数", "10", "100人", "100人", "10", ""],
        ["", "质量指标", "合格率", "10", "100%", "100%", "8", "有偏差"],
    ]
    findings = run_engine([Grid.from_rows(SHEET, rows)]).findings
    (f,) = [f for f in findings if f.code == "total_score_wrong"]
    assert (f.cell.address, f.expected, f.actual) == ("D3", "18.00", "98")


GOAL_HEADERS = ("一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分")
HUANGGANG = [  # 黄冈市水土保持与农田水利科研所 2020 水土保持监测 (tests/real/forms/hubei-2020-project-huanggang-stbc.toml)
    ["2020年度水土保持监测项目绩效自评表"],
    ["单位名称：黄冈市水土保持与农田水利科研所", "", "", "填报日期：2021年3月10日"],
    ["项目名称", "水土保持监测", "主管部门", "黄冈市水利和湖泊局"],
    ["项目实施单位", "本单位", "项目类别", "1、上级专项 2、本级专项"],
    ["项目属性", "1、持续性项目 2、新增性项目", "项目类型", "1、常年性项目 2、延续性项目 3、一次性项目"],
    ["预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）"],
    ["年度财政资金总额", 10, 10, CellData(1.0, number_format="0%"), 20],
    ["年度绩效目标1（40分）", *GOAL_HEADERS],
    ["", "产出指标", "质量指标", "监测数据必须合格", "100%", "100%", 10],
    ["", "", "进度指标", "取得2018-2022监测资料", "100%", "100%", 10],
    ["", "效益指标 满意度指标", "服务对象满意度指标", "整编资料审核", "98%", "98%", 19.6],
    ["年度绩效目标2（40分）", *GOAL_HEADERS],
    ["", "产出指标", "质量指标", "监测数据资料整编", "100%", "100%", 20],
    ["", "", "进度指标", "完成年度资料上报", "100%", "100%", 20],
    ["总分", "", "", "", "", "", 99.6],
]


def test_row_weights_implied_by_their_goal_blocks_points() -> None:
    grid = Grid.from_rows("自评表", HUANGGANG, ("A8:A11", "A12:A14"))
    (form,) = read_forms([grid])
    weights = {r.row: str(r.cells["weight"].number) for r in form.blocks["indicators"]}
    # 目标1 (40分): 10 and 10 are full marks, 整编资料审核 takes what is left, 40 − 10 − 10 = 20 (its 19.6
    # leaves 10.4 for the others, not a whole point); 目标2 (40分): 20 + 20 = 40, every row at full marks.
    assert weights == {9: "10", 10: "10", 11: "20", 13: "20", 14: "20"}
    found = [(str(f.code), f.cell.address) for f in run_engine([grid]).findings if f.severity.value != "info"]
    assert ("score_differs_from_rule", "G11") in found  # 98% met 98%: 20, not 19.6 (= 20 × 98%)
    assert not [c for c in found if c[1] in ("G13", "G14", "G17", "D7", "E7")]
    assert not [c for c in found if c[0] == "level_mismatch"]  # 进度指标 is the older name of 时效指标


CHONGQING = [  # 西部（重庆）科学城融媒体中心 2021 (tests/real/forms/chongqing-2021-department-kxc-rongmeiti.toml)
    ["部门整体绩效自评表"],
    ["主管部门", "", "财政处室", "", "自评总分（分）", 97.6],
    ["部门联系人", "曾雪莲", "联系电话", ""],
    [
        "部门预算执行情况（万元）",
        "年初预算数",
        "全年（调整）预算数",
        "全年执行数",
        "执行率（%）",
        "执行率权重",
        "执行率得分（分）",
    ],
    ["", "", "", "", CellData(0.76, number_format="0%"), 10, 7.6],
    [
        "绩效指标",
        "指标名称",
        "计量单位",
        "指标性质",
        "年初指标值",
        "调整指标值",
        "全年完成值",
        "得分系数（%）",
        "指标权重（分）",
        "指标得分（分）",
        "是否核心指标",
    ],
    ["", "基础信息完善", "%", "", "100%", "", "100%", "100%", 1, 1, "否"],
    ["", "预算完成率", "%", "", "70%", "", "76%", "100%", 2, 2, "是"],
    ["", "预算调整率", "%", "", "3%", "", 0, "100%", 2, 2, "否"],
    ["", "结转结余率", "%", "", "2%", "", 0, "100%", 2, 2, "是"],
    ["", "政府采购执行率", "%", "", "100%", "", "72.74%", "100%", 2, 2, "是"],
    ["", "固定资产利用率", "%", "定量指标", "90%", "", "100%", "100%", 2, 2, "否"],
]


def test_the_chongqing_department_form_is_found_and_read_by_its_words() -> None:
    grid = Grid.from_rows("部门整体", CHONGQING, ("A1:K1", "A4:A5", "A6:A12"))
    (form,) = read_forms([grid])
    assert form.layout.name == "附件2"  # 部门整体绩效自评表 is the 部门整体支出绩效自评表
    # 执行率权重 | 执行率得分（分） under the headers, the row with no label of its own
    got = {k: (f.ref.address, f.text) for k, f in form.fields.items() if k.startswith("budget.total.")}
    assert got["budget.total.weight"] == ("F5", "10") and got["budget.total.score"] == ("G5", "7.6")
    names = [r.cells["name"].text for r in form.blocks["indicators"]]
    assert names[0] == "基础信息完善" and len(names) == 6  # 指标名称 is the 三级指标
    found = [(str(f.code), f.cell.address) for f in run_engine([grid]).findings if f.severity.value != "info"]
    # 政府采购执行率 72.74% of 100%: 2 × 72.74% = 1.45, typed 2. 预算调整率 3% → 0 and 结转结余率 2% → 0 are
    # met (the less the better); 76% ≥ 70% and 100% ≥ 90% are met; 7.6 = 10 × 76%.
    scored = [c for c in found if c[1][0] in "GHJ"]
    # 得分系数 100% × 权重 2 = 2, where the rule gives 1.45: the coefficient is flagged as well.
    assert scored == [("score_coefficient_wrong", "H11"), ("score_differs_from_rule", "J11")]


@pytest.mark.parametrize(("coefficient", "flagged"), [("75%", False), ("72.74%", False), ("80%", True)])
def test_a_coefficient_from_the_score_as_the_form_types_it_is_right(coefficient: str, flagged: bool) -> None:
    # 政府采购执行率 72.74% of 100%, weight 2: the rule gives 2 × 72.74% = 1.45, which a form scoring to one
    # decimal types 1.5 (7.6 above is its 执行率得分); 1.5 ÷ 2 = 75% and 72.74% are both right, 80% × 2 = 1.6 is not.
    rows = [list(row) for row in CHONGQING]
    rows[-2] = ["", "政府采购执行率", "%", "", "100%", "", "72.74%", coefficient, 2, 1.5, "是"]
    grid = Grid.from_rows("部门整体", rows, ("A1:K1", "A4:A5", "A6:A12"))
    (form,) = read_forms([grid])
    assert form.score_decimals == 1
    found = [(str(f.code), f.cell.address) for f in run_engine([grid]).findings if f.cell.address == "H11"]
    assert found == ([("score_coefficient_wrong", "H11")] if flagged else [])


def test_a_title_with_evaluation_in_it_is_the_department_form() -> None:
    rows = [
        ["2023年度部门整体支出绩效评价自评表"],
        ["单位", ""],
        [
            "序号",
            "一级指标",
            "二级指标",
            "三级指标",
            "指标分值",
            "指标解释",
            "指标说明及评分标准",
            "自评得分",
        ],
        ["1", "规划（15分）", "基础信息（3分）", "基础信息完整性", 3, "…", "…（1分）", 3],
    ]
    (form,) = read_forms([Grid.from_rows("部门整体自评", rows)])
    assert (form.layout.name, form.year) == ("附件2", 2023)
    (row,) = form.blocks["indicators"]
    assert (row.cells["weight"].text, row.cells["score"].text) == ("3", "3")


def test_a_conclusion_under_the_total_is_read_and_template_text_left_there_is_flagged() -> None:
    # 青神 2023 (四川): the 评价结论 row under 合计 still holds the template's instruction.
    instruction = "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）"
    rows = [*seed({}), ["评价结论", instruction]]
    (form,) = read_forms([Grid.from_rows(SHEET, rows)])
    conclusion = form.get("closing.conclusion")
    assert conclusion is not None and conclusion.ref.address == "B37" and conclusion.text == instruction
    flagged = [f for f in findings(rows) if f.code == "instruction_text_left"]
    assert [f.cell.address for f in flagged] == ["B37"]


def test_a_conclusion_in_the_units_own_words_is_not_flagged() -> None:
    rows = [*seed({}), ["自评结论", "项目按计划完成，自评得分94.15分，等级为优。"]]
    (form,) = read_forms([Grid.from_rows(SHEET, rows)])
    assert form.text("closing.conclusion").startswith("项目按计划完成")
    assert not [f for f in findings(rows) if f.code == "instruction_text_left"]


def test_an_amount_in_the_conclusion_is_not_read_as_the_headers() -> None:
    # The conclusion speaks of the year in its own words; only the title and the header's entries state the
    # form's amount (title_amount_mismatch).
    rows = [*seed({}), ["评价结论", "全年安排资金3000万元，完成各项任务。"]]
    assert not [f for f in findings(rows) if f.code == "title_amount_mismatch"]


NANYUE = [  # 南岳区民族宗教事务局 2020 (湖南), titled 部门整体 but laid out for one fund
    ["2020年忠烈祠免费开放经费236.25万元部门整体支出绩效自评表"],
    ["单位名称", "南岳区民族宗教事务局", "", "单位负责人及电话", "郭刚毅"],
    ["主管部门", "南岳区民族宗教事务局", "", "实施单位", "南岳区民族宗教事务局"],
    ["资金情况（万元）", "", "年初预算资金总额：", "实际投入资金额", "产生差异的原因"],
    ["", "合计", 236, 236, ""],
    ["", "其中：财政拨款", 236, 236, ""],
    ["", "其他资金", "", "", ""],
    ["总体目标", "年度目标", "", "", "年度总体目标完成情况"],
    ["", "认真完成年度各项工作任务", "", "", "通过文物保护专项经费的支出，促进文化遗产的保护"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "全年实际完成值", "产生差异的原因及改进措施"],
    ["", "产出指标", "数量指标", "管理忠烈祠面积", "=230亩", "=230亩", ""],
]


def test_a_funds_table_captioned_zijin_qingkuang_is_read_by_its_header_words() -> None:
    # 资金情况（万元）| 年初预算资金总额 | 实际投入资金额: the 合计 line under them holds 236 and 236.
    (form,) = read_forms([Grid.from_rows("自评表", NANYUE)])
    assert form.fields["budget.total.initial_budget"].ref.address == "C5"
    assert form.number("budget.total.initial_budget") == 236
    assert form.number("budget.total.executed") == 236
    flagged = [
        f
        for f in run_engine([Grid.from_rows("自评表", NANYUE)]).findings
        if f.code == "title_amount_mismatch"
    ]
    assert [(f.cell.address, f.message) for f in flagged] == [
        ("C5", "自评表!C5 标题写的是236.25万元，表中年度资金总额（年初预算数）为236.00，相差0.25，请核对")
    ]
