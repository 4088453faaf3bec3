"""Regions as they are (issue 12, part 3): several centrumgemeenten, policy text from the file.

The pooling cases are computed on the real Achterhoek data with a changed region file: a
second centrumgemeente, a share of a booking that belongs to another region, and a segment
pooled twice (refused).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.core.paths import region_file
from bekostiging.model.baseline import build_baseline
from bekostiging.model.population import group_population, population_by_age_group


def _variant(tmp_path: Path, change) -> Path:
    """A copy of the Achterhoek file with absolute file references, changed by ``change``."""
    src = region_file("achterhoek")
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["conversion"] = str((src.parent / data["conversion"]).resolve())
    data["parameters"] = [str((src.parent / p).resolve()) for p in data["parameters"]]
    change(data)
    out = tmp_path / "variant.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def _year(frame, segment="wmo_wonen", year=2023):
    f = frame[(frame["segment"] == segment) & (frame["year"] == year)]
    return f.set_index("gemeentecode")


@pytest.fixture(scope="module")
def booked():
    """Wonen 2023 as booked (before pooling) and the 18+ key, from the real data."""
    region = load_region("achterhoek")
    b = _year(build_baseline(region))
    pop = population_by_age_group(region, [2023], region.parameters)
    key = group_population(pop, "volwassen_18plus")
    shares = {c: float(key[(c, 2023)]) for c in b.index}
    total = sum(shares.values())
    return b["spend_booked"], {c: v / total for c, v in shares.items()}


def test_two_centrumgemeenten_pool_both_bookings(tmp_path, booked):
    spend_booked, key = booked

    def two(data):
        data["regional_pooling"][0]["booked_by"] = ["GM0222", "GM0294"]

    b = _year(build_baseline(load_region(_variant(tmp_path, two))))
    pooled = spend_booked["GM0222"] + spend_booked["GM0294"]
    # Aalten books EUR 33,540 itself and gets its 18+ share of both centrumgemeenten's bookings.
    assert b.loc["GM0197", "spend_iv3"] == pytest.approx(33_540 + key["GM0197"] * pooled)
    assert b.loc["GM0294", "spend_iv3"] == pytest.approx(key["GM0294"] * pooled)
    # Pooling moves money between municipalities; the region total does not change.
    assert b["spend_iv3"].sum() == pytest.approx(spend_booked.sum())


def test_share_of_a_booking_stays_with_the_centrumgemeente(tmp_path, booked):
    spend_booked, key = booked

    def shared(data):
        data["regional_pooling"][0]["booked_by"] = ["GM0222", "GM0294"]
        data["regional_pooling"][0]["shares"] = {"GM0222": 0.75}

    b = _year(build_baseline(load_region(_variant(tmp_path, shared))))
    pooled = 0.75 * spend_booked["GM0222"] + spend_booked["GM0294"]
    kept = 0.25 * spend_booked["GM0222"]
    assert b.loc["GM0222", "spend_iv3"] == pytest.approx(kept + key["GM0222"] * pooled)
    assert b.loc["GM0197", "spend_iv3"] == pytest.approx(33_540 + key["GM0197"] * pooled)
    assert b["spend_iv3"].sum() == pytest.approx(spend_booked.sum())


def test_a_segment_pooled_twice_is_refused_with_its_line(tmp_path):
    def twice(data):
        data["regional_pooling"].append(
            {"segments": ["wmo_wonen"], "booked_by": "GM0294", "key": "volwassen_18plus"}
        )

    with pytest.raises(InputError) as err:
        load_region(_variant(tmp_path, twice))
    text = str(err.value)
    assert "wmo_wonen" in text and "staat al in pooling-regel 1" in text


def test_a_share_for_a_municipality_that_books_nothing_is_refused(tmp_path):
    def stray(data):
        data["regional_pooling"][0]["shares"] = {"GM0197": 0.5}

    with pytest.raises(InputError, match="niet onder booked_by staat"):
        load_region(_variant(tmp_path, stray))


def test_policy_goals_come_from_the_region_file(tmp_path):
    ach, alk = load_region("achterhoek").policy, load_region("alkmaar").policy
    assert ach.cited == "de notitie van 9 februari 2021" and len(ach.goals) == 6
    assert alk.goals[1] == "Eenvoud." and "februari" not in alk.cited

    def unknown_goal(data):
        data["policy"]["incentive_goals"]["admin"] = [7]

    with pytest.raises(InputError, match="doel 7"):
        load_region(_variant(tmp_path, unknown_goal))

    def no_policy(data):
        del data["policy"]

    assert load_region(_variant(tmp_path, no_policy)).policy.cited == ""


def test_zero_spend_in_a_procured_segment_gives_no_budget_and_runs(tmp_path):
    """Bergen booked all its residential youth care as crisis care (a conversion override):
    no budget for jeugd_verblijf, the region's cost per client, and the variants still pay."""
    import pandas as pd

    from bekostiging.model.projection import project_start_budget
    from bekostiging.model.startbudget import start_budget

    src = region_file("alkmaar")
    conv = pd.read_csv(src.parent / "../conversion/alkmaar.csv", dtype=str)
    rows = []
    for years, field_, crisis in (("2017-2024", "6.73", "1.0"), ("2025-2026", "6.76", "0.95")):
        for r in conv[(conv["years"] == years) & (conv["taakveld"] == field_)].itertuples():
            share = {"jeugd_verblijf": "0.0", "jeugd_crisis": crisis}.get(r.segment, r.share)
            rows.append({**r._asdict(), "share": share, "gemeentecode": "GM0373"})
    path = tmp_path / "conversion.csv"
    pd.concat([conv, pd.DataFrame(rows).drop(columns="Index")]).to_csv(path, index=False)

    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["conversion"] = str(path)
    data["parameters"] = [str((src.parent / p).resolve()) for p in data["parameters"]]
    out = tmp_path / "zero.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    region = load_region(out)
    base = build_baseline(region)
    sb = start_budget(region, base, 2024, "2027-01-01")
    t = sb.table.set_index(["gemeentecode", "segment", "year"]).sort_index()
    bergen = t.loc[("GM0373", "jeugd_verblijf")]
    assert (bergen["budget"] == 0).all() and (bergen["clients"] == 0).all()
    assert (bergen["cost_per_client"] > 0).all()  # the region's, for any client who comes
    assert (t.loc[("GM0373", "jeugd_crisis"), "budget"] > 0).all()
    budget = build_baseline(region, report=region.budget_report)
    proj = project_start_budget(sb, base, budget, draws=50)
    i = proj.inputs
    m, u = i.municipalities.index("GM0373"), i.units.index("jeugd_verblijf")
    assert (i.clients_exp[m, u] == 0).all() and (i.cost_exp[m, u] > 0).all()


def test_a_municipality_merged_before_2020_takes_its_successors_age_structure(tmp_path):
    """Haarlemmerliede en Spaarnwoude (GM0393) merged into Haarlemmermeer (GM0394) in 2019,
    before the 2020 age bands: its age shares are Haarlemmermeer's, not an error."""
    from bekostiging.data import newregion as nr
    from bekostiging.model.population import age_group_shares

    root = nr.copy_assumptions(tmp_path / "assumptions")
    nr.write_region(nr.generate("hm", jeugdzorgregio="JZ15", assumptions_dir=root), root)
    region = load_region(root / "regions" / "hm.yaml")
    assert region.municipality("GM0393").merged_into == "GM0394"
    shares = age_group_shares(region, region.parameters)
    assert shares.loc["GM0393"].tolist() == shares.loc["GM0394"].tolist()
    assert 0.15 < shares.loc["GM0394", "jeugd_0_17"] < 0.25


def test_a_municipality_without_the_reference_years_jaarrekening_keeps_its_last_year():
    """Loon op Zand (GM0809) filed no jaarrekening 2024: its start budget rests on 2023 at
    2024 prices instead of the municipality dropping out of Midden-Brabant (JZ35)."""
    from bekostiging.analysis.national import national_analysis

    na = national_analysis(codes=["JZ35"], draws=50)
    assert na.failures == {}
    sb = na.start_budgets
    assert sb["gemeentecode"].nunique() == 11 and "GM0809" in set(sb["gemeentecode"])
    loon = sb[(sb["gemeentecode"] == "GM0809") & (sb["year"] == 2027)]["budget"].sum()
    # ~23,000 inhabitants: about EUR 550 per inhabitant, like its neighbours.
    assert 8e6 < loon < 2e7


def test_negative_and_unbooked_segments_are_priced_not_dropped():
    """Step 4 by hand: A books 132 for 12 clients (11 each); B books -50 (a correction) for 5
    clients: B keeps its clients at A's 11. Segment t is booked by nobody: its clients get the
    reference cost per client (8,000) when there is one, and stay unpriced (NaN) otherwise."""
    import pandas as pd

    from bekostiging.model.startbudget import step4_cost_per_client

    ref = pd.DataFrame(
        {
            "gemeentecode": ["A", "B", "A", "B"],
            "segment": ["s", "s", "t", "t"],
            "year": [2024] * 4,
            "spend": [132.0, -50.0, 0.0, 0.0],
            "clients": [12.0, 5.0, 3.0, 4.0],
        }
    )
    out = step4_cost_per_client(ref, 2024, {2024: 0.0}, 1, {"t": 8_000.0})
    out = out.set_index(["gemeentecode", "segment"])
    assert out.loc[("B", "s"), "clients_ref"] == 5.0
    assert out.loc[("B", "s"), "cost_per_client_ref"] == pytest.approx(11.0)
    assert out.loc[("A", "t"), "clients_ref"] == 0.0  # nothing booked: no clients counted
    assert out.loc[("A", "t"), "cost_per_client_ref"] == 8_000.0
    bare = step4_cost_per_client(ref, 2024, {2024: 0.0}).set_index(["gemeentecode", "segment"])
    assert pd.isna(bare.loc[("A", "t"), "cost_per_client_ref"])


def test_a_region_that_cannot_be_generated_does_not_stop_the_country(tmp_path, monkeypatch):
    from bekostiging.analysis import national
    from bekostiging.data import newregion as nr

    real = national.generate

    def flaky(region_id, jeugdzorgregio, assumptions_dir):
        if jeugdzorgregio == "JZ15":
            raise ValueError("geen gegevens")
        return real(region_id, jeugdzorgregio=jeugdzorgregio, assumptions_dir=assumptions_dir)

    monkeypatch.setattr(national, "generate", flaky)
    root = nr.copy_assumptions(tmp_path / "assumptions")
    errors: dict[str, str] = {}
    files = national.region_files(["JZ22", "JZ15"], root, errors=errors)
    assert list(files) == ["JZ22"] and files["JZ22"].is_file()
    assert errors == {"JZ15": "ValueError: geen gegevens"}
