"""The data-quality step: findings on the real data, the check-data command, missing years."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bekostiging.cli import main
from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.data.quality import (
    BLOCKING,
    WARNING,
    check_before_run,
    data_quality,
    missing_year_findings,
    outlier_findings,
    parameter_findings,
    quality_thresholds,
    zero_spend_findings,
)
from bekostiging.data.rawdata import load_iv3, load_population
from bekostiging.report.quality import findings_frame, findings_lines, findings_table, verdict

REGION_YAML = ASSUMPTIONS_DIR / "regions" / "achterhoek.yaml"


@pytest.fixture(scope="module")
def iv3():
    return load_iv3()


def _region_copy(tmp: Path, region: str, old: str, new: str) -> Path:
    """A copy of all assumptions with one edit in a region file; returns that file."""
    target = tmp / "assumptions"
    shutil.copytree(ASSUMPTIONS_DIR, target)
    path = target / "regions" / f"{region}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# --- the real data ------------------------------------------------------------------------


def test_achterhoek_real_data_has_no_finding(achterhoek, iv3):
    # No Achterhoek year is missing (SOURCES.md caveat 6), no outlier, every procured segment
    # has spend in 2023-2024 (6.81 is zero outside Doetinchem, but wmo_wonen is pooled there).
    assert data_quality(achterhoek, iv3=iv3) == []
    assert check_before_run(achterhoek, iv3=iv3) == []


def test_alkmaar_real_data_gives_one_true_warning(alkmaar, iv3):
    found = data_quality(alkmaar, iv3=iv3)
    assert [(f.severity, f.check, f.code, f.year, f.report) for f in found] == [
        (WARNING, "missing_year", "GM1980", 2022, "begroting")
    ]
    # It is true: Dijk en Waard filed no begroting 2022 (a non-filer, SOURCES.md caveat 6) ...
    rows = iv3[(iv3["gemeentecode"] == "GM1980") & (iv3["report"] == "begroting")]
    assert 2022 not in set(rows["year"]) and {2023, 2024} <= set(rows["year"])
    # ... while it did file the jaarrekening 2022, and its predecessors stop in 2021.
    assert 2022 in set(iv3.query("gemeentecode == 'GM1980' and report == 'jaarrekening'")["year"])
    assert check_before_run(alkmaar, iv3=iv3) == found


def test_an_amount_1000_times_too_big_is_blocking_with_place(achterhoek, iv3):
    bad = iv3.copy()
    row = bad.index[
        (bad["gemeentecode"] == "GM0197")
        & (bad["year"] == 2022)
        & (bad["report"] == "jaarrekening")
        & (bad["taakveld"] == "6.72")
    ]
    assert len(row) == 1 and bad.loc[row[0], "spending_keur"] == 6914.0  # SOURCES.md, Aalten
    bad.loc[row, "spending_keur"] *= 1000
    found = data_quality(achterhoek, iv3=bad)
    blocking = [f for f in found if f.blocking]
    assert [(f.check, f.code, f.name, f.year, f.taakveld, f.report) for f in blocking] == [
        ("outlier", "GM0197", "Aalten", 2022, "6.72", "jaarrekening")
    ]
    f = blocking[0]
    # 6,914,000 keur over 27,1xx inhabitants: about EUR 255,000 per inhabitant
    inhabitants = float(bad.loc[row[0], "inhabitants"])
    assert f.value == pytest.approx(6914.0 * 1e6 / inhabitants)
    assert f.value > quality_thresholds()["blocking_factor"] * f.reference
    assert "in euro's in plaats van duizenden?" in f.action
    with pytest.raises(InputError) as err:
        check_before_run(achterhoek, iv3=bad)
    assert "Aalten (GM0197), 2022, jaarrekening, taakveld 6.72" in str(err.value)


def test_a_milder_outlier_is_a_warning(achterhoek, iv3):
    # Five times the national 99th percentile: above the warning factor 3, below blocking 10.
    bad = iv3.copy()
    sel = (bad["report"] == "jaarrekening") & (bad["year"] == 2023) & (bad["taakveld"] == "6.71")
    per_inh = bad.loc[sel, "spending_keur"] * 1000 / bad.loc[sel, "inhabitants"]
    p99 = per_inh.quantile(0.99)
    i = bad.index[sel & (bad["gemeentecode"] == "GM0294")][0]
    bad.loc[i, "spending_keur"] = 5 * p99 * bad.loc[i, "inhabitants"] / 1000
    found = outlier_findings(achterhoek, bad)
    assert [(f.severity, f.code, f.year, f.taakveld) for f in found] == [
        (WARNING, "GM0294", 2023, "6.71")
    ]
    assert 4.5 < found[0].value / found[0].reference < 5.0  # the bad row lifts the p99 a bit


def test_missing_year_of_a_real_non_filer_is_listed(iv3):
    # Almelo (GM0141) filed no jaarrekening 2022 (SOURCES.md caveat 6); a region around it.
    base = load_region("achterhoek")
    m = dataclasses.replace(base.municipalities[0], code="GM0141", name="Almelo")
    region = dataclasses.replace(base, municipalities=(m,))
    found = missing_year_findings(region, iv3)
    assert [(f.code, f.year, f.report) for f in found] == [("GM0141", 2022, "jaarrekening")]
    assert found[0].severity == WARNING and "niet vergeleken" in found[0].action


def test_zero_spend_in_a_procured_segment_names_the_fields_booked_instead(achterhoek, iv3):
    # Aalten's 2023 youth care with residence and crisis (6.73, 6.74) booked on 6.72 instead.
    bad = iv3.copy()
    sel = (
        (bad["gemeentecode"] == "GM0197")
        & (bad["report"] == "jaarrekening")
        & (bad["year"] == 2023)
    )
    moved = bad.loc[sel & bad["taakveld"].isin(["6.73", "6.74"]), "spending_keur"].sum()
    assert moved == 2556 + 2958  # SOURCES.md caveat 4
    bad.loc[sel & (bad["taakveld"] == "6.72"), "spending_keur"] += moved
    bad.loc[sel & bad["taakveld"].isin(["6.73", "6.74"]), "spending_keur"] = 0.0
    found = zero_spend_findings(achterhoek, bad)
    # gwv lives on 6.73 only, hcv on 6.73 and 6.74; jeugd_overig keeps 6.72's share.
    assert [(f.segment, f.taakveld) for f in found] == [("gwv", "6.73"), ("hcv", "6.73, 6.74")]
    assert all(f.code == "GM0197" and f.year == 2023 for f in found)
    for f in found:
        assert set(f.taakveld.split(", ")) <= {"6.73", "6.74"}
        assert "6.72" in f.found and f.severity == WARNING
    assert not any(f.blocking for f in data_quality(achterhoek, iv3=bad))


def test_procured_segment_without_prevalence_is_blocking(achterhoek):
    found = parameter_findings(achterhoek, _without(achterhoek.parameters, "prevalence.iaj"))
    assert [(f.severity, f.segment) for f in found] == [(BLOCKING, "iaj")]
    assert "prevalence.iaj" in found[0].found
    assert parameter_findings(achterhoek) == []


def _without(params, name: str):
    """The parameters without one name (a stand-in that answers ``in`` like Parameters)."""

    class Fewer:
        def __contains__(self, n: str) -> bool:
            return n != name and n in params

    return Fewer()


# --- check-data and the report table ------------------------------------------------------


def test_check_data_on_a_mistyped_code_exits_2_naming_code_and_line(tmp_path, capsys):
    path = _region_copy(
        tmp_path,
        "achterhoek",
        "{code: GM0294, name: Winterswijk}",
        "{code: GM0249, name: Winterswijk}",
    )
    line = _line_of(path, "{code: GM0249")
    assert main(["check-data", "--region", str(path)]) == 2
    out = capsys.readouterr().out
    assert "Alles in orde" not in out
    assert f"blokkerend: Winterswijk (GM0249) (regel {line} van " in out
    assert "1 blokkerende bevinding" in out
    assert "Winterswijk heeft in de CBS-gegevens code GM0294." in out  # the fix, by name


def test_check_data_on_clean_regions_lists_the_warning(capsys):
    assert main(["check-data", "--region", "alkmaar"]) == 0
    out = capsys.readouterr().out
    assert "Dijk en Waard (GM1980), 2022, begroting" in out
    assert out.rstrip().endswith("Geen blokkerende bevindingen; 1 waarschuwing.")
    assert main(["check-data", "--region", "achterhoek"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("Alles in orde.")


def test_a_real_code_of_another_municipality_is_caught_by_its_name(tmp_path, iv3):
    # GM0196 Rijnwaarden existed until 2017; GM0202 Arnhem exists: a typo onto a real code.
    path = _region_copy(
        tmp_path, "achterhoek", "{code: GM0197, name: Aalten}", "{code: GM0202, name: Aalten}"
    )
    found = data_quality(load_region(path), iv3=iv3)
    assert [(f.severity, f.check, f.code) for f in found] == [(BLOCKING, "code", "GM0202")]
    assert "Arnhem" in found[0].found


def test_startbudget_command_stops_on_a_blocking_finding(tmp_path, capsys):
    path = _region_copy(
        tmp_path,
        "achterhoek",
        "{code: GM0294, name: Winterswijk}",
        "{code: GM0249, name: Winterswijk}",
    )
    assert main(["startbudget", "--region", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "GM0249" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_findings_table_is_dutch_with_amounts(achterhoek, iv3):
    bad = iv3.copy()
    sel = (
        (bad["gemeentecode"] == "GM0222")
        & (bad["year"] == 2021)
        & (bad["report"] == "begroting")
        & (bad["taakveld"] == "6.71")
    )
    bad.loc[sel, "spending_keur"] *= 1000
    found = data_quality(achterhoek, iv3=bad)
    frame = findings_frame(found)
    assert frame.loc[0, ["Ernst", "Gemeente", "Jaar", "Taakveld"]].tolist() == [
        "blokkerend",
        "Doetinchem (GM0222)",
        "2021",
        "6.71",
    ]
    text = repr(findings_table(found))
    assert "€ " in text and "Uitschieters per inwoner" in text
    assert verdict(found).startswith("1 blokkerende bevinding en 0 waarschuwingen")
    assert findings_lines(found)[0] == "Uitschieters per inwoner:"
    assert np.isfinite(frame.loc[0, "Per inwoner (€)"])
    assert list(findings_frame([]).columns)[:2] == ["Ernst", "Controle"]


# --- missing years ------------------------------------------------------------------------
# Almelo (GM0141) filed no Iv3 jaarrekening 2022 (data/raw/SOURCES.md, caveat 6): a real
# non-filer. A two-municipality region (Almelo and Hengelo) on Alkmaar's segments shows it.

TWENTE_MUNICIPALITIES = """municipalities:
  - {code: GM0141, name: Almelo}
  - {code: GM0164, name: Hengelo}
"""


def _twente_file(tmp: Path) -> Path:
    target = tmp / "assumptions"
    if not target.exists():
        shutil.copytree(ASSUMPTIONS_DIR, target)
    text = (target / "regions" / "alkmaar.yaml").read_text(encoding="utf-8")
    start = text.index("municipalities:")
    end = text.index("\ncontract:")
    text = text[:start] + TWENTE_MUNICIPALITIES + text[end:]
    start, end = text.index("regional_pooling:"), text.index("\n# Transition")
    text = text[:start] + "regional_pooling: []\n" + text[end:]
    path = target / "regions" / "twente_test.yaml"
    path.write_text(text.replace("id: alkmaar", "id: twente_test"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def twente(tmp_path_factory):
    return load_region(_twente_file(tmp_path_factory.mktemp("twente")))


@pytest.fixture(scope="module")
def twente_baseline(twente):
    from bekostiging.model.baseline import build_baseline

    return build_baseline(twente)


def test_missing_year_is_found_in_data_and_baseline(twente, twente_baseline, iv3):
    from bekostiging.model.baseline import MISSING_FLAG, missing_years, with_missing_years

    found = data_quality(twente, iv3=iv3)
    assert [(f.check, f.code, f.year, f.report) for f in found] == [
        ("missing_year", "GM0141", 2022, "jaarrekening")
    ]
    gaps = missing_years(twente_baseline, twente)
    assert gaps[["gemeentecode", "current_code", "year"]].values.tolist() == [
        ["GM0141", "GM0141", 2022]
    ]
    shown = with_missing_years(twente_baseline, twente)
    rows = shown[(shown["gemeentecode"] == "GM0141") & (shown["year"] == 2022)]
    assert len(rows) == len(twente.segments)
    assert rows["spend"].isna().all() and (rows["spend_flag"] == MISSING_FLAG).all()
    # Hengelo's 2022 is untouched: 6.72 of its jaarrekening, x 1,000, over the segments.
    hengelo = shown[(shown["gemeentecode"] == "GM0164") & (shown["year"] == 2022)]
    raw = iv3.query(
        "gemeentecode == 'GM0164' and year == 2022 and report == 'jaarrekening' "
        "and taakveld in ['6.72', '6.82', '6.71', '6.6', '6.81']"
    )["spending_keur"].sum()
    assert hengelo["spend_booked"].sum() == pytest.approx(raw * 1000)


def test_achterhoek_has_no_missing_year_and_its_tables_do_not_change(
    achterhoek, baseline_achterhoek
):
    from bekostiging.model.baseline import missing_years, with_missing_years

    assert missing_years(baseline_achterhoek, achterhoek).empty
    assert with_missing_years(baseline_achterhoek, achterhoek) is baseline_achterhoek
    assert sorted(baseline_achterhoek["year"].unique()) == list(range(2017, 2025))


def _view(region, baseline, code, backtest=None, backtest_year=2020):
    """A stand-in for a municipality view: what the baseline and look-back tables read."""
    from types import SimpleNamespace

    from bekostiging.model.baseline import to_current_boundaries

    settings = SimpleNamespace(reference_year=2024, backtest_year=backtest_year)
    analysis = SimpleNamespace(region=region, baseline=baseline, settings=settings)
    if backtest is not None:
        analysis.backtest = backtest
    current = to_current_boundaries(baseline, region)
    return SimpleNamespace(
        analysis=analysis,
        code=code,
        name=region.name_of(code),
        baseline=lambda: current[current["gemeentecode"] == code],
        backtest=lambda: backtest.table,
    )


def test_spend_table_shows_the_missing_year_as_missing_not_zero(twente, twente_baseline):
    from bekostiging.report.baseline import baseline_spend_table, view_missing_years

    view = _view(twente, twente_baseline, "GM0141")
    assert view_missing_years(view) == [2022]
    t = baseline_spend_table(view)
    assert "2022" in t.data.columns  # the column stays
    assert t.data["2022"].isna().all()  # every segment and the total: unknown
    assert t.data["2021"].notna().all() and t.data["2023"].notna().all()
    text = repr(t)
    assert "ontbreekt" in text and "leverde over 2022 geen Iv3-jaarrekening" in text
    # Hengelo has every year: no marker.
    other = baseline_spend_table(_view(twente, twente_baseline, "GM0164"))
    assert "ontbreekt" not in repr(other) and other.data["2022"].notna().all()


def test_lookback_says_not_compared_for_the_missing_year(twente, twente_baseline):
    from bekostiging.model.backtest import run_backtest
    from bekostiging.report.lookback import backtest_table, region_backtest_table

    bt = run_backtest(twente, reference_year=2020, draws=200, actuals=twente_baseline)
    t = bt.table
    gap = t[(t["year"] == 2022) & t["gemeentecode"].isin(["GM0141", "regio"])]
    assert len(gap) == 4 and gap["inside"].isna().all() and gap["actual"].isna().all()
    compared = t[(t["gemeentecode"] != "regio") & t["actual"].notna()]
    assert compared["inside"].notna().all()
    s = bt.summary()
    # Two municipalities x four years (2021-2024), one of them not compared, per domain.
    assert s["n"].tolist() == [7, 7] and s["not_compared"].tolist() == [1, 1]
    assert s.loc["jeugd", "coverage_p10_p90"] == pytest.approx(
        compared.loc[compared["domain"] == "jeugd", "inside"].astype(bool).mean()
    )
    view = _view(twente, twente_baseline, "GM0141", backtest=bt)
    rows = backtest_table(view).data
    almelo_2022 = rows[(rows["Gemeente"] == "Almelo") & (rows["Jaar"] == "2022")]
    assert almelo_2022["Binnen P10-P90"].tolist() == ["niet vergeleken"] * 2
    assert "geen jaarrekening" in repr(backtest_table(view))
    region = region_backtest_table(view.analysis).data
    assert region["Niet vergeleken (geen jaarrekening)"].tolist() == [1, 1]


def test_baseline_command_exports_the_missing_year_as_empty_not_zero(tmp_path, capsys):
    path = _twente_file(tmp_path)
    assert main(["baseline", "--region", str(path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Datakwaliteit" in out and "1 waarschuwing" in out
    csv = pd.read_csv(tmp_path / "out" / "baseline" / "baseline_twente_test_jaarrekening.csv")
    gap = csv[(csv["gemeentecode"] == "GM0141") & (csv["year"] == 2022)]
    assert len(gap) == 12 and gap["spend"].isna().all() and (gap["spend_flag"] == "missing").all()
    assert csv.loc[csv["year"] == 2022, "spend"].notna().sum() == 12  # Hengelo's 12 segments


def test_all_42_youth_care_regions_clean_data_no_blocking_and_every_non_filer_listed(iv3):
    # Every jeugdzorgregio of 2023 (its municipalities from their first year in the data, on
    # Alkmaar's segments): the thresholds give no blocking finding on the real data, and the
    # missing years are exactly the non-filers of SOURCES.md caveat 6 that still exist in 2023
    # (21 reports) plus the four missing 2025 budgets.
    from bekostiging.config.region import Municipality
    from bekostiging.core.paths import RAW_DIR

    population = load_population()
    first = pd.concat([iv3[["gemeentecode", "year"]], population[["gemeentecode", "year"]]])
    first = first.groupby("gemeentecode")["year"].min()
    members = pd.read_csv(RAW_DIR / "cbs_jeugdzorgregio_membership_2022_2023.csv")
    members = members[members["year"] == 2023]
    base = load_region("alkmaar")
    found = []
    for name, g in members.groupby("jeugdzorgregio_naam"):
        munis = tuple(
            Municipality(c, n, valid_from=max(2017, int(first[c])))
            for c, n in zip(g["gemeentecode"], g["gemeente"])
        )
        region = dataclasses.replace(base, name=name, municipalities=munis, pooling=())
        found += data_quality(region, iv3=iv3, population=population)
    assert members["jeugdzorgregio_naam"].nunique() == 42 and len(members) == 342
    assert not [f for f in found if f.blocking]
    missing = sorted((f.code, f.year, f.report) for f in found if f.check == "missing_year")
    assert len(missing) == 25
    assert ("GM0141", 2022, "jaarrekening") in missing  # Almelo
    assert ("GM0809", 2024, "jaarrekening") in missing  # Loon op Zand
    assert [m for m in missing if m[1] == 2025] == [
        ("GM0310", 2025, "begroting"),  # De Bilt
        ("GM0415", 2025, "begroting"),  # Landsmeer
        ("GM1731", 2025, "begroting"),  # Midden-Drenthe
        ("GM1961", 2025, "begroting"),  # Vijfheerenlanden
    ]
    outliers = sorted((f.name, f.year, f.report, f.taakveld) for f in found if f.check == "outlier")
    assert outliers == [
        ("Maastricht", 2017, "jaarrekening", "6.72"),
        ("Maastricht", 2019, "begroting", "6.72"),
        ("Maastricht", 2020, "begroting", "6.72"),
        ("Nieuwkoop", 2024, "begroting", "6.72"),  # negative: EUR -1,406 per inhabitant
        ("Westerwolde", 2024, "jaarrekening", "6.82"),
    ]
