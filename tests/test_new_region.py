"""python -m bekostiging new-region: a region skeleton from the national data (issue 12, part 1).

The generated region is Zaanstreek-Waterland (jeugdzorgregio JZ09, 7 municipalities; Beemster
merged into Purmerend on 1 January 2022), which no region file or other test mentions. It is
written into a copy of data/assumptions in a temporary folder and loaded by path, so the
project's own region list does not change.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from bekostiging.cli import main
from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.core.paths import ASSUMPTIONS_DIR, RAW_DIR
from bekostiging.data import newregion as nr
from bekostiging.data.panel import load_mergers
from bekostiging.data.rawdata import load_iv3
from bekostiging.model.baseline import build_baseline
from bekostiging.model.startbudget import start_budget

REGION = "zaanstreek_waterland"
JZ09 = ["GM0385", "GM0415", "GM0431", "GM0439", "GM0479", "GM0852", "GM0880"]
ACHTERHOEK = ["GM0197", "GM0222", "GM0294", "GM1509", "GM1586", "GM1859", "GM1876", "GM1955"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = nr.copy_assumptions(tmp_path_factory.mktemp("gen") / "assumptions")
    for rel in (f"regions/{REGION}.yaml", f"parameters/{REGION}.yaml", f"conversion/{REGION}.csv"):
        (root / rel).unlink(missing_ok=True)  # a copy made from a checkout that has one
    new = nr.generate(REGION, jeugdzorgregio="zaanstreek-waterland", assumptions_dir=root)
    paths = nr.write_region(new, root)
    return root, new, paths


@pytest.fixture(scope="module")
def raw_iv3():
    """The Iv3 table read straight from the CSV, not through the package's loader."""
    path = RAW_DIR / "iv3_social_domain_spending_municipalities_2017_2026.csv.gz"
    return pd.read_csv(path, dtype={"taakveld": str})


def test_members_are_the_membership_files_list(generated):
    root, new, _ = generated
    membership = pd.read_csv(RAW_DIR / "cbs_jeugdzorgregio_membership_2022_2023.csv")
    listed = membership.query("year == 2023 and jeugdzorgregio_code == 'JZ09'")["gemeentecode"]
    assert sorted(listed) == JZ09
    region = load_region(root / "regions" / f"{REGION}.yaml")
    assert region.name == "Zaanstreek-Waterland"
    assert sorted(region.current_codes()) == JZ09
    beemster = region.municipality("GM0370")
    assert (beemster.name, beemster.valid_until, beemster.merged_into) == (
        "Beemster",
        2021,
        "GM0439",
    )
    assert region.predecessors("GM0439") == ["GM0370"]
    assert region.name_of("GM0479") == "Zaanstad"


def test_youth_split_is_the_regions_own_iv3(generated, raw_iv3):
    _, new, _ = generated
    rows = raw_iv3[
        raw_iv3["gemeentecode"].isin(JZ09)
        & (raw_iv3["report"] == "jaarrekening")
        & raw_iv3["year"].isin([2023, 2024])
    ]
    by_field = rows.groupby("taakveld")["spending_keur"].sum()
    total = by_field["6.72"] + by_field["6.73"] + by_field["6.74"]
    assert new.youth_split == pytest.approx(
        (by_field["6.73"] / total, by_field["6.74"] / total), rel=1e-12
    )
    assert [round(x, 3) for x in new.youth_split] == [0.339, 0.067]
    region = load_region(generated[0] / "regions" / f"{REGION}.yaml")
    params = region.parameters
    assert params.value("youth_split_fallback.share_6_73") == pytest.approx(0.339)
    assert params.value("youth_split_fallback.share_6_74") == pytest.approx(0.067)


def test_the_centrumgemeente_books_the_largest_681(generated, raw_iv3):
    root, new, _ = generated
    rows = raw_iv3[
        raw_iv3["gemeentecode"].isin(JZ09)
        & (raw_iv3["report"] == "jaarrekening")
        & raw_iv3["year"].isin([2023, 2024])
        & (raw_iv3["taakveld"] == "6.81")
    ]
    spend = rows.groupby("gemeentecode")["spending_keur"].sum().sort_values(ascending=False)
    assert list(spend.index[:2]) == ["GM0479", "GM0439"]  # Zaanstad, Purmerend
    assert spend.iloc[1] / spend.sum() == pytest.approx(0.292, abs=1e-3)  # above 10 %
    assert spend.iloc[2] / spend.sum() < 0.001  # Waterland: not a centrumgemeente
    region = load_region(root / "regions" / f"{REGION}.yaml")
    assert [(p.segments, p.booked_by) for p in region.pooling] == [
        (("wmo_wonen", "opvang"), ("GM0479", "GM0439"))
    ]


def test_centrumgemeenten_of_other_regions():
    """Twente books on Enschede and Almelo (the issue's example); the Achterhoek on
    Doetinchem only (Oude IJsselstreek is 4.5x the others' median but 1 % of the 6.81)."""
    iv3 = load_iv3()
    twente = nr.region_members(jeugdzorgregio="Twente").codes
    assert nr.centres(nr.centrumgemeente_candidates(iv3, twente)) == ("GM0153", "GM0141")
    assert nr.centres(nr.centrumgemeente_candidates(iv3, ACHTERHOEK)) == ("GM0222",)
    assert nr.centres(nr.centrumgemeente_candidates(iv3, ["GM0479"])) == ()


def test_calibration_reproduces_the_hand_configured_regions():
    """The factors noted in parameters/alkmaar.yaml and achterhoek.yaml (issue 10)."""
    params = load_region("alkmaar").parameters
    mergers = load_mergers()
    alkmaar = {"jeugd_ambulant": 0.105, "jeugd_verblijf": 0.011, "jeugd_crisis": 0.0015}
    alkmaar |= {"dyslexie": 0.010, "jeugdbescherming": 0.011}
    alkmaar |= {"wmo_begeleiding": 0.025, "wmo_hh": 0.045, "wmo_wonen": 0.0016}
    codes = ["GM0361", "GM0373", "GM0383", "GM0399", "GM0450", "GM1980"]
    f = nr.calibration_factors(codes, alkmaar, nr.SEGMENTS, params, mergers)
    assert (round(f["jeugd"], 4), round(f["wmo"], 4)) == (0.8706, 0.7834)
    achterhoek = alkmaar | {"jeugd_ambulant": 0.10, "wmo_hh": 0.049}
    f = nr.calibration_factors(ACHTERHOEK, achterhoek, nr.SEGMENTS, params, mergers)
    assert (round(f["jeugd"], 4), round(f["wmo"], 4)) == (0.8598, 0.9414)


def test_prevalence_is_the_national_level_times_the_factor(generated):
    root, new, _ = generated
    region = load_region(root / "regions" / f"{REGION}.yaml")
    params = region.parameters
    national = nr.load_parameters([ASSUMPTIONS_DIR / "parameters" / "national.yaml"])
    for s in ("jeugd_ambulant", "dyslexie", "wmo_begeleiding", "wmo_wonen"):
        domain = region.segment(s).domain
        expected = national.value(f"prevalence.{s}") * new.factors[domain]
        assert params.value(f"prevalence.{s}") == pytest.approx(expected, rel=1e-3)
    assert new.factors["jeugd"] == pytest.approx(0.7915, abs=1e-4)
    assert new.factors["wmo"] == pytest.approx(0.8957, abs=1e-4)


def test_booking_suggestions_find_the_achterhoek_corrections():
    """The rule finds Berkelland and Oost Gelre, the two corrections made by hand."""
    pi = nr.per_inhabitant(load_iv3())
    found = [(c.code, c.years) for c in nr.booking_suggestions(pi, ACHTERHOEK)]
    assert found == [("GM1586", (2020, 2022)), ("GM1859", (2017, 2024))]


def test_missing_years_are_listed():
    """Vijfheerenlanden and its predecessors: the non-filers named in data/raw/SOURCES.md."""
    iv3 = load_iv3()
    rows = nr.municipality_rows(
        ["GM1961"], {}, load_mergers(), iv3[["gemeentecode", "year"]].drop_duplicates()
    )
    assert [(r.code, r.valid_from, r.until) for r in rows] == [
        ("GM0545", None, 2018),
        ("GM0620", None, 2018),
        ("GM0707", None, 2018),
        ("GM1961", 2019, None),
    ]
    missing = nr.missing_reports(rows, iv3)
    assert missing.values.tolist() == [
        ["GM0545", 2018, "jaarrekening"],
        ["GM0620", 2018, "jaarrekening"],
        ["GM0707", 2018, "jaarrekening"],
        ["GM1961", 2023, "jaarrekening"],
        ["GM1961", 2024, "begroting"],
        ["GM1961", 2025, "begroting"],
    ]


def test_every_placeholder_and_default_is_marked(generated):
    _, new, _ = generated
    text = new.files[f"regions/{REGION}.yaml"]
    procured = [s for s in nr.SEGMENTS if s.procured]
    funding = re.findall(r"funding: \{variant: \w+\}  # IN TE VULLEN", text)
    assert len(funding) == len(procured) == 6
    assert 'source: "IN TE VULLEN: placeholder (estimate)"' in text  # the contract
    assert text.count('source: "estimate (national default)"') == 5  # settlement + transition
    assert "start: 2025-01-01" in text
    assert "#   GM0415 Landsmeer: begroting 2025" in text  # the one missing report
    assert new.to_fill == sum(t.count("IN TE VULLEN") for t in new.files.values()) >= 10
    params = new.files[f"parameters/{REGION}.yaml"]
    assert params.count("source: estimate") == 9  # the calibrated prevalence, regional segments
    assert "regional_segments:\n      value: [jeugd_crisis, wmo_wonen]" in params
    conversion = (ASSUMPTIONS_DIR / "conversion" / "national.csv").read_text(encoding="utf-8")
    assert new.files[f"conversion/{REGION}.csv"] == conversion


def test_the_policy_document_is_left_to_fill_in(generated):
    root, new, _ = generated
    region = load_region(root / "regions" / f"{REGION}.yaml")
    assert (region.policy.document, region.policy.goals, region.policy.principles) == ("", {}, ())
    assert "document: null  # IN TE VULLEN" in new.files[f"regions/{REGION}.yaml"]


def test_segment_ids_are_the_national_parameters(generated):
    root, _, _ = generated
    region = load_region(root / "regions" / f"{REGION}.yaml")
    national = nr.load_parameters([ASSUMPTIONS_DIR / "parameters" / "national.yaml"])
    keyed = {n.split(".")[1] for n in national.names("prevalence.")}
    procured = {s.id for s in region.procured_segments()}
    assert procured == {"jeugd_ambulant", "jeugd_verblijf", "jeugd_crisis", "dyslexie"} | {
        "wmo_begeleiding",
        "wmo_wonen",
    }
    assert procured <= keyed
    conversion = pd.read_csv(root / "conversion" / f"{REGION}.csv")
    assert set(conversion["segment"]) == set(region.segment_ids())


def test_existing_region_is_refused_and_left_alone(generated):
    root, new, paths = generated
    before = [p.read_bytes() for p in paths]
    again = nr.generate(REGION, codes=["GM0479"], assumptions_dir=root)
    with pytest.raises(InputError, match="bestaat al"):
        nr.write_region(again, root)
    assert [p.read_bytes() for p in paths] == before
    nr.write_region(again, root, force=True)
    assert "GM0385" not in paths[0].read_text(encoding="utf-8")
    nr.write_region(new, root, force=True)
    assert [p.read_bytes() for p in paths] == before


def test_a_failed_write_leaves_no_file(tmp_path, generated):
    _, new, _ = generated
    (tmp_path / "parameters").mkdir()
    (tmp_path / "conversion").write_text("not a folder")  # the third file cannot be written
    with pytest.raises(OSError):
        nr.write_region(new, tmp_path)
    assert not (tmp_path / "regions" / f"{REGION}.yaml").exists()
    assert list((tmp_path / "parameters").iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--jeugdzorgregio", "Atlantis", "--id", "atlantis"], "onbekende jeugdzorgregio"),
        (["--jeugdzorgregio", "JZ40", "--id", "jz40"], "onbekende jeugdzorgregio"),
        (["--gemeenten", "GM0479,GM9999", "--id", "x_test"], "onbekende gemeentecode GM9999"),
        (["--gemeenten", "GM0370", "--id", "x_test"], "bestaat sinds een fusie niet meer"),
        (["--jeugdzorgregio", "JZ25", "--id", "achterhoek"], "bestaat al"),
        (["--jeugdzorgregio", "JZ25", "--id", "Achter hoek"], "ongeldig regio-id"),
    ],
)
def test_cli_refuses_bad_input_with_exit_2(argv, message, capsys):
    before = (ASSUMPTIONS_DIR / "regions" / "achterhoek.yaml").read_bytes()
    assert main(["new-region", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert (ASSUMPTIONS_DIR / "regions" / "achterhoek.yaml").read_bytes() == before
    assert not (ASSUMPTIONS_DIR / "regions" / "x_test.yaml").exists()


def test_the_id_comes_from_the_name_when_not_given():
    assert nr.generate(None, jeugdzorgregio="JZ43").id == "midden_limburg_west"
    with pytest.raises(InputError, match="geef een regio-id"):
        nr.generate(None, codes=["GM0479"])


def test_jeugdzorgregio_by_name_or_code():
    regions = nr.load_jeugdzorgregios(2023)
    assert nr.find_jeugdzorgregio("TWENTE", regions) == ("JZ14", "Twente")
    assert nr.find_jeugdzorgregio("jz09", regions) == ("JZ09", "Zaanstreek-Waterland")
    with pytest.raises(InputError, match="bedoelt u: Twente"):
        nr.find_jeugdzorgregio("Twenet", regions)


def test_the_start_budget_runs_on_the_generated_region(generated):
    root, _, _ = generated
    region = load_region(root / "regions" / f"{REGION}.yaml")
    base = build_baseline(region)
    sb = start_budget(region, base, 2024)
    total = sb.table.groupby("year")["budget"].sum()
    assert list(total.index) == list(range(2025, 2032))  # 3 + 2 + 2 years from 2025
    assert np.isfinite(total).all() and (total > 0).all()
    # the start year lies within a third of the region's 2024 spend on the procured segments
    procured = region.segment_ids(procured_only=True)
    spend = base.loc[(base["year"] == 2024) & base["segment"].isin(procured), "spend"].sum()
    assert 0.8 < total[2025] / spend < 1.3


@pytest.mark.slow
def test_every_jeugdzorgregio_generates_loads_and_passes_the_quality_step(tmp_path):
    """All 42 regions (342 municipalities): the skeletons load and no finding blocks a run."""
    from bekostiging.data.quality import data_quality

    root = nr.copy_assumptions(tmp_path / "assumptions")
    codes, centres = [], {}
    for jz in nr.load_jeugdzorgregios(2023)["jeugdzorgregio_code"]:
        new = nr.generate(f"t_{jz.lower()}", jeugdzorgregio=jz, assumptions_dir=root)
        nr.write_region(new, root)
        region = load_region(root / "regions" / f"{new.id}.yaml")
        assert not [f for f in data_quality(region) if f.blocking], jz
        codes += region.current_codes()
        centres[jz] = new.pooled_by
    assert len(codes) == len(set(codes)) == 342
    assert centres["JZ25"] == ("GM0222",)  # Doetinchem, as in regions/achterhoek.yaml
    assert centres["JZ06"] == ("GM0361",)  # Alkmaar, as in regions/alkmaar.yaml
    assert centres["JZ15"] == centres["JZ22"] == ()  # one-municipality regions
