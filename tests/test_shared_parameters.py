"""The shared parameter files hold nothing of one region (issue 12).

``data/assumptions/parameters/{common,behaviour,reserves,allocation,transition,advice}.yaml``
are read for every region. They key per-segment values only on a domain (``jeugd``, ``wmo``) or
``default``; a region's own segment ids, its values for them and the reasoning behind those
live in its own parameter file (``parameters/<region>.yaml``). These tests keep that rule, and
pin a handful of the values that moved, so that moving them changed no number of the
Achterhoek or Regio Alkmaar.
"""

from __future__ import annotations

import re

import pytest
import yaml

from bekostiging.config.parameters import read_parameter_file
from bekostiging.config.region import available_regions, load_region
from bekostiging.core.errors import display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.model.behaviour.inputs import load_behaviour_parameters, segment_inputs
from bekostiging.model.clients import duration_of
from bekostiging.model.startbudget import segment_value

PARAMETERS_DIR = ASSUMPTIONS_DIR / "parameters"
REGIONS_DIR = ASSUMPTIONS_DIR / "regions"
SHARED = ("common", "behaviour", "reserves", "allocation", "transition", "advice")
PLACES = {"Gelderland", "Noord-Holland", "Kennemerland"}  # besides the region files' names


def region_words(path) -> dict[str, set[str]]:
    """What identifies one region in its region file: segment ids, municipality codes and
    names, its id and name, and the seed numbers of its documents.

    >>> w = region_words(REGIONS_DIR / "achterhoek.yaml")
    >>> "hcv" in w["segment"], "Aalten" in w["name"], "seed 003" in w["document"]
    (True, True, True)
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = {str(data["id"]), str(data.get("name", data["id"]))}
    names |= {str(m["name"]) for m in data.get("municipalities", [])}
    policy = data.get("policy") or {}
    text = " ".join(map(str, data.get("sources", []))) + " " + str(policy.get("source", ""))
    return {
        "segment": {str(s["id"]) for s in data.get("segments", [])},
        "code": {str(m["code"]) for m in data.get("municipalities", [])},
        "name": names,
        "document": {m.lower() for m in re.findall(r"seed \d{3}", text, flags=re.I)}
        | ({str(policy["document"])} if policy.get("document") else set()),
    }


def found_in(text: str, words: set[str], *, ignore_case: bool) -> list[str]:
    """The words that occur in ``text`` as whole words (``_`` counts as part of a word).

    >>> found_in("value: {jeugd: 1.0, hcv: 2}", {"hcv", "gwv"}, ignore_case=False)
    ['hcv']
    >>> found_in("wmo_wonen_extra and jeugd_0_17", {"wmo_wonen", "jeugd"}, ignore_case=False)
    []
    """
    flags = re.I if ignore_case else 0
    return sorted(w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, flags))


REGION_WORDS = {p.stem: region_words(p) for p in sorted(REGIONS_DIR.glob("*.yaml"))}


@pytest.mark.parametrize("shared", SHARED)
def test_shared_file_names_no_region(shared):
    text = (PARAMETERS_DIR / f"{shared}.yaml").read_text(encoding="utf-8")
    for region, words in REGION_WORDS.items():
        assert found_in(text, words["segment"], ignore_case=False) == [], region
        assert found_in(text, words["code"], ignore_case=True) == [], region
        assert found_in(text, words["name"], ignore_case=True) == [], region
        assert found_in(text, words["document"], ignore_case=True) == [], region
    # no document of any region either (the region files cite them as 'seed NNN'), nor the
    # province a region's judgement was made for
    assert re.findall(r"seed \d{3}", text, flags=re.I) == []
    assert found_in(text, PLACES, ignore_case=True) == []


@pytest.mark.parametrize("shared", SHARED)
def test_shared_mappings_keyed_on_domain_or_default_only(shared):
    """A per-segment mapping in a shared file has only generic keys (besides years, variants,
    age bands and the like, which are not segment ids of any region)."""
    all_segments = set().union(*(w["segment"] for w in REGION_WORDS.values()))
    for name, p in read_parameter_file(PARAMETERS_DIR / f"{shared}.yaml").items():
        keys = set(p.value) if isinstance(p.value, dict) else set()
        items = set(p.value) if isinstance(p.value, list) else set()
        assert not (keys | items) & all_segments, name
        assert not set(name.split(".")) & all_segments, name


def test_the_scan_would_catch_a_segment_id():
    words = REGION_WORDS["achterhoek"]
    assert found_in("    value: {hcv: 25, jeugd: 150}", words["segment"], ignore_case=False) == [
        "hcv"
    ]
    assert found_in("note: as in Aalten", words["name"], ignore_case=True) == ["Aalten"]
    assert found_in("x: {GM0197: 1}", words["code"], ignore_case=True) == ["GM0197"]


@pytest.mark.parametrize("region_id", available_regions())
def test_region_file_wins_over_the_shared_files(region_id):
    """Every name in the region's own parameter file is the value the region uses, also where a
    shared file listed after it (reserves.yaml, allocation.yaml) has the same name."""
    region = load_region(region_id)
    own = PARAMETERS_DIR / f"{region_id}.yaml"
    assert region.parameter_files[-1] == own.resolve()
    params = region.parameters
    for name in read_parameter_file(own):
        assert params.param(name).file == display_path(own), name


# --- the values that moved, hand-checked against the shared files before issue 12 ------------


def test_achterhoek_values_unchanged(achterhoek):
    p = achterhoek.parameters
    hcv = segment_inputs(achterhoek.segment("hcv"), region_params=p)
    assert (hcv.need_cv, hcv.clients_per_provider, hcv.efficient_weeks) == (1.2, 25.0, 40.0)
    assert hcv.duration_growth == 0.11
    iaj = segment_inputs(achterhoek.segment("iaj"), region_params=p)
    assert (iaj.need_cv, iaj.clients_per_provider, iaj.duration_growth) == (1.0, 250.0, 0.05)
    dys = segment_inputs(achterhoek.segment("dyslexie"), region_params=p)
    assert (dys.need_cv, dys.clients_per_provider) == (0.3, 400.0)
    logeren = segment_inputs(achterhoek.segment("wmo_logeren"), region_params=p)
    assert (logeren.need_cv, logeren.clients_per_provider, logeren.efficient_weeks) == (
        0.6,
        30.0,
        20.0,
    )
    assert iaj.budget_ratio == 0.9
    assert duration_of(p, "gwv", "jeugd") == 1.5
    assert duration_of(p, "wmo_wonen", "wmo") == 4.0
    assert duration_of(p, "wmo_pv", "wmo") == 2.0
    assert duration_of(p, "opvang", "wmo") == 2.5  # not listed: the Wmo value
    assert segment_value(p, "startbudget.chain_agreements", "iaj") == 0.01
    assert segment_value(p, "startbudget.chain_agreements", "gwv") == 0.0
    assert p.value("risk.allocation.regional_segments") == ["hcv", "wmo_wonen"]
    assert p.param("coverage.min_providers").value == {"default": 2.0, "dyslexie": 1.0}
    assert p.value("clients.observed_share.wmo") == 0.78
    assert p.value("age_groups.jeugd_0_17.annual_share_change") == -0.006
    assert p.value("allocation.share_flag_ratio") == 2.0


def test_alkmaar_values_unchanged():
    region = load_region("alkmaar")
    p = region.parameters
    verblijf = segment_inputs(region.segment("jeugd_verblijf"), region_params=p)
    assert (verblijf.need_cv, verblijf.clients_per_provider, verblijf.duration_growth) == (
        1.0,
        150.0,
        0.11,
    )
    assert segment_inputs(region.segment("jeugd_crisis"), region_params=p).duration_growth == 0.11
    ambulant = segment_inputs(region.segment("jeugd_ambulant"), region_params=p)
    assert (ambulant.duration_growth, ambulant.efficient_weeks) == (0.05, 30.0)
    pbv = segment_inputs(region.segment("wmo_pbv"), region_params=p)
    assert (pbv.need_cv, pbv.clients_per_provider, pbv.efficient_weeks) == (0.8, 100.0, 40.0)
    dys = segment_inputs(region.segment("dyslexie"), region_params=p)
    assert (dys.need_cv, dys.clients_per_provider, dys.efficient_weeks) == (0.3, 400.0, 40.0)
    assert duration_of(p, "wmo_pbv", "wmo") == 2.5
    assert duration_of(p, "jeugdbescherming", "jeugd") == 1.5
    assert duration_of(p, "jeugd_verblijf", "jeugd") == 1.0
    assert segment_value(p, "startbudget.chain_agreements", "jeugd_ambulant") == 0.0
    assert p.value("risk.allocation.regional_segments") == ["wmo_wonen"]
    assert p.param("coverage.min_providers").value == {"default": 2.0, "dyslexie": 1.0}


def test_unknown_segment_ids_get_the_domain_fallbacks():
    """A region whose segment ids no file knows still gets a value for every segment."""
    shared = load_behaviour_parameters()
    youth = segment_inputs("onbekend_segment", shared, domain="jeugd")
    assert (youth.need_cv, youth.clients_per_provider, youth.efficient_weeks) == (1.0, 150.0, 30.0)
    adult = segment_inputs("onbekend_segment", shared, domain="wmo")
    assert (adult.need_cv, adult.clients_per_provider, adult.efficient_weeks) == (0.8, 100.0, 40.0)
    assert youth.duration_growth == adult.duration_growth == 0.05
    common = read_parameter_file(PARAMETERS_DIR / "common.yaml")
    assert common["clients.duration_years"].value == {"jeugd": 1.0, "wmo": 2.5}
    reserves = read_parameter_file(PARAMETERS_DIR / "reserves.yaml")
    assert reserves["risk.allocation.regional_segments"].value == []
    allocation = read_parameter_file(PARAMETERS_DIR / "allocation.yaml")
    assert allocation["coverage.min_providers"].value == {"default": 2.0}
