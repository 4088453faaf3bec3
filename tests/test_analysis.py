"""The analysis layer the notebooks call: both regions, results files, determinism."""

from __future__ import annotations

import json

import pytest

from bekostiging.analysis.region_analysis import RegionAnalysis
from bekostiging.analysis.results import check_totals, ensure_results, read_results, results_frame


@pytest.fixture(scope="module")
def alkmaar_results(tmp_path_factory):
    ra = RegionAnalysis.from_parameters(region="alkmaar", municipality="GM1980", draws=300)
    folder = tmp_path_factory.mktemp("alkmaar")
    return ra, folder, ensure_results(ra, folder)


def test_a_second_region_runs_end_to_end_across_its_merger(alkmaar_results):
    ra, _, results = alkmaar_results
    assert list(results) == ["GM0361", "GM0373", "GM0383", "GM0399", "GM0450", "GM1980"]
    dw = results["GM1980"]
    assert dw["gemeente"] == "Dijk en Waard" and dw["start_budget"]["first_full_year"] > 0
    # no 2020 age bands for a municipality formed in 2022: no per-age benchmark, not a crash
    assert dw["benchmark"]["jeugdhulp"]["per_relevant_inhabitant"] is None
    assert ra.providers is None and ra.municipality().provider_split().empty


def test_regional_total_equals_the_sum_of_the_municipalities(alkmaar_results):
    ra, _, results = alkmaar_results
    t = ra.start_budget.table
    total = t[t["year"] == ra.first_full_year]["budget"].sum()
    check = check_totals(results, total)
    assert abs(check["difference"].item()) <= len(results)  # whole-euro rounding only
    frame = results_frame(results)
    assert frame["share"].sum() == pytest.approx(1.0)


def test_stale_results_are_recomputed_not_reused(alkmaar_results):
    ra, folder, results = alkmaar_results
    path = folder / "results" / "GM0373.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["fingerprint"] = "made with other assumptions"
    path.write_text(json.dumps(data), encoding="utf-8")
    usable, redo = read_results(folder, ["GM0373", "GM0361"], results["GM0361"]["fingerprint"])
    assert redo == ["GM0373"] and list(usable) == ["GM0361"]
    again = ensure_results(ra, folder)
    assert again["GM0373"] == results["GM0373"]  # same settings and seed: same figures


def test_same_settings_same_figures(alkmaar_results):
    _, _, results = alkmaar_results
    again = RegionAnalysis.from_parameters(region="alkmaar", municipality="GM1980", draws=300)
    from bekostiging.analysis.results import municipality_results

    assert municipality_results(again.municipality("GM0361")) == results["GM0361"]


def test_the_batch_shares_one_analysis_only_when_everything_matches(tmp_path, monkeypatch):
    from bekostiging.analysis.region_analysis import SHARED_ENV

    ra = RegionAnalysis.from_parameters(region="alkmaar", draws=300)
    assert ra.settings.municipality == "GM0361"  # none given: the region's first municipality
    ra._cache["marker"] = "computed once"
    path = ra.save(tmp_path / "analysis.pkl")
    monkeypatch.setenv(SHARED_ENV, str(path))
    same = RegionAnalysis.from_parameters(region="alkmaar", municipality="GM0361", draws=300)
    assert same._cache.get("marker") == "computed once"
    assert same.settings.municipality == "GM0361"  # its own settings, the shared computations
    other = RegionAnalysis.from_parameters(region="alkmaar", draws=400)  # other settings
    assert "marker" not in other._cache
    path.write_bytes(b"not a pickle")
    assert "marker" not in RegionAnalysis.from_parameters(region="alkmaar", draws=300)._cache
