"""Rule profiles: shipped as data with their sources, chosen by --profile or the ribbon's PROFILE setting."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLE

from xl_selfeval.cli import main
from xl_selfeval.errors import UserError
from xl_selfeval.excel.config import profile_setting, value_in_file
from xl_selfeval.grid import Grid
from xl_selfeval.settings import list_profiles, load_profile, load_settings

D = Decimal


def test_the_four_profiles_are_listed_default_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    names = [p.name for p in list_profiles()]
    assert names[0] == "全国" and set(names) >= {"全国", "一体化平台", "执行20-产出40-效益满意度40", "湖南"}
    assert "全国（默认）" in out and "desk33.com/d-565511.html" in out and "财预〔2020〕10号" in out


def test_platform_profile_caps_the_total_by_the_execution_rate() -> None:
    platform = load_profile("一体化平台")
    # 执行率 70–80% → ≤ 89; 60–70% → ≤ 79; < 60% → ≤ 69; < 50% → ≤ 59; 80% and above: no cap.
    assert platform.execution_cap(D("0.7608")) == D(89)
    assert platform.execution_cap(D("0.6146")) == D(79)
    assert platform.execution_cap(D("0.55")) == D(69)
    assert platform.execution_cap(D("0.4999")) == D(59)
    assert platform.execution_cap(D("0.8")) is None
    assert load_profile("全国").execution_cap(D("0.3")) is None


def test_alternative_weights_join_benefit_and_satisfaction() -> None:
    s = load_profile("执行20-产出40-效益满意度40")
    assert s.weights == {"预算执行率": D(20), "产出指标": D(40), "效益指标+满意度指标": D(40)}
    assert s.weight_group("效益指标") == s.weight_group("满意度指标") == "效益指标+满意度指标"
    assert s.weight_group("成本指标") == "产出指标"
    assert (s.partial_band, s.failed_band) == ((D("0.5"), D("0.8")), (D(0), D("0.5")))
    assert s.negative_formula == "deviation"


def test_a_rules_file_overrides_single_values_of_a_profile(tmp_path: Path) -> None:
    rules = tmp_path / "规则.toml"
    rules.write_text("[scoring]\ndeviation_penalty = 1\n", encoding="utf-8")
    s = load_settings(rules, "一体化平台")
    assert s.deviation_penalty == D(1)  # overridden
    assert s.execution_cap(D("0.65")) == D(79)  # kept from the profile
    assert s.profile == "一体化平台"


def test_an_unknown_profile_is_named_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE), "--profile", "广东"]) == 2
    err = capsys.readouterr().err
    assert "没有名为“广东”的评分规则方案" in err and "一体化平台" in err
    with pytest.raises(UserError):
        load_profile("../全国")


def test_check_says_which_profile_it_used(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(EXAMPLE), "--profile", "一体化平台"])
    assert "评分规则方案：一体化平台" in capsys.readouterr().out
    main(["check", str(EXAMPLE), "--format", "json"])
    assert json.loads(capsys.readouterr().out)["profile"] == "全国"


def test_switching_profile_on_the_example_adds_the_platform_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check", str(EXAMPLE), "--format", "json"])
    national = {(f["code"], f["sheet"], f["cell"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    main(["check", str(EXAMPLE), "--format", "json", "--profile", "一体化平台"])
    platform = {(f["code"], f["sheet"], f["cell"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    # Example: 附件2 76.08% → ≤ 89 (total 95.61), 附件3 61.46% → ≤ 79 (94.15); 提取 151.46% loses 2 points.
    assert {code for code, _, _ in platform - national} == {
        "total_above_execution_cap",
        "score_differs_from_rule",
    }
    assert national - platform == set()


def test_ribbon_profile_from_the_config_sheet_then_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    sheet = Grid.from_rows(
        "xl_selfeval.conf", [["INTERPRETER_WIN", "C:\\py\\pythonw.exe"], ["profile", "湖南"]]
    )
    assert profile_setting([sheet], None) == "湖南"
    book = tmp_path / "自评.xlsx"
    (tmp_path / "xl_selfeval.conf").write_text('"PROFILE","一体化平台"\r\n', encoding="utf-8")
    assert profile_setting([], book) == "一体化平台"
    user_conf = tmp_path / "home" / ".xl_selfeval" / "xl_selfeval.conf"
    user_conf.parent.mkdir(parents=True)
    user_conf.write_bytes('"INTERPRETER_WIN","C:\\py\\pythonw.exe"\r\n"PROFILE","湖南"\r\n'.encode("gbk"))
    assert profile_setting([], tmp_path / "elsewhere" / "x.xlsx") == "湖南"
    assert value_in_file('"PROFILE",""', "PROFILE") is None


def test_the_issue_list_names_the_profile(tmp_path: Path) -> None:
    import shutil

    import openpyxl

    book = tmp_path / "自评.xlsx"
    shutil.copy(EXAMPLE, book)
    assert main(["recalc", str(book), "--profile", "一体化平台", "--no-backup"]) in (0, 1)
    ws = openpyxl.load_workbook(book)["问题清单"]
    texts = [str(c.value) for row in ws.iter_rows(max_row=12) for c in row if c.value]
    assert "评分规则方案：一体化平台。" in texts
