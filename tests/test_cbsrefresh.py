"""The optional CBS refresh, tested on a recorded StatLine response (no network)."""

from __future__ import annotations

import copy
import io
import json
import urllib.error
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from bekostiging.core.errors import InputError
from bekostiging.core.paths import RAW_DIR
from bekostiging.data import cbsrefresh, rawdata

FIXTURES = Path(__file__).parent / "data" / "cbs"
CODES = ["GM0003", "GM0197", "GM0358"]  # municipalities with figures in the recording
YEARS = [2019, 2020]


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"03759ned-{name}.json").read_text(encoding="utf-8"))


def make_fetch(observations: dict | None = None, codes: dict | None = None, calls=None):
    """A fetch that answers like the CBS API from the recorded excerpts."""
    bodies = {
        "Observations": observations if observations is not None else recorded("observations"),
        "RegioSCodes": codes if codes is not None else recorded("codes-RegioS"),
    }

    def fetch(url: str) -> bytes:
        if calls is not None:
            calls.append(url)
        assert url.startswith(cbsrefresh.BASE_URL + "/")
        endpoint = url[len(cbsrefresh.BASE_URL) + 1 :].split("?")[0]
        return json.dumps(bodies[endpoint]).encode("utf-8")

    return fetch


def raising(exc: BaseException):
    def fetch(url: str) -> bytes:
        raise exc

    return fetch


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return rawdata.load_population()


# --- the recording itself ------------------------------------------------------------------


def test_recording_is_the_documented_slice():
    rows = recorded("observations")["value"]
    assert {r["Geslacht"] for r in rows} == {"T001038"}
    assert {r["Leeftijd"] for r in rows} == {"10000"}
    assert {r["BurgerlijkeStaat"] for r in rows} == {"T001019"}
    assert {r["Measure"] for r in rows} == set(cbsrefresh.MEASURES) == {"M000352", "M000365"}
    assert {r["Perioden"] for r in rows} == {"2019JJ00", "2020JJ00"}
    assert {"GM0197", "GM0003"} <= {r["RegioS"] for r in rows}


def test_request_asks_for_that_slice():
    calls: list[str] = []
    cbsrefresh.fetch_population(YEARS, fetch=make_fetch(calls=calls))
    query = urllib.parse.unquote(calls[0])
    assert "/03759ned/Observations?$filter=" in query
    for dim, code in cbsrefresh.SLICE.items():
        assert f"{dim} eq '{code}'" in query
    for code in ["M000352", "M000365", "2019JJ00", "2020JJ00"]:
        assert f"'{code}'" in query
    assert calls[1] == cbsrefresh.codes_url()


# --- parsing -------------------------------------------------------------------------------


def test_recorded_response_gives_the_shipped_rows(shipped):
    frame = cbsrefresh.fetch_population(YEARS, fetch=make_fetch())
    assert list(frame.columns) == [c.name for c in rawdata.POPULATION.columns]
    assert sorted(frame["gemeentecode"].unique()) == CODES  # no NL01, no merged-away Aalburg
    aalten = frame.set_index(["gemeentecode", "year"]).loc[("GM0197", 2019)]
    assert (aalten["gemeente"], aalten["population_jan1"]) == ("Aalten", 27011)
    assert aalten["population_avg"] == 27066
    assert frame.query("gemeentecode == 'GM0003' and year == 2019")["population_avg"].item() == (
        11681.5
    )
    expected = shipped[shipped["gemeentecode"].isin(CODES) & shipped["year"].isin(YEARS)]
    pd.testing.assert_frame_equal(frame, expected.reset_index(drop=True))


def test_rows_outside_the_slice_are_ignored():
    observations = recorded("observations")
    men = copy.deepcopy(observations["value"][12])  # Aalten 2019, on 1 January
    men.update(Geslacht="3000", Value=13500)
    observations["value"].append(men)
    frame = cbsrefresh.fetch_population(YEARS, fetch=make_fetch(observations))
    assert frame.query("gemeentecode == 'GM0197' and year == 2019")["population_jan1"].item() == (
        27011
    )


def test_a_year_cbs_has_not_published_is_a_clear_error():
    with pytest.raises(InputError, match=r"heeft \(nog\) geen bevolkingscijfers voor 2021"):
        cbsrefresh.fetch_population([2019, 2021], fetch=make_fetch())


def test_bad_years_are_refused_before_fetching():
    calls: list[str] = []
    for bad in ([], [1900], ["2019"]):
        with pytest.raises(InputError, match="geen geldige jaren"):
            cbsrefresh.fetch_population(bad, fetch=make_fetch(calls=calls))
    assert calls == []


def test_next_link_pages_are_followed():
    observations = recorded("observations")
    first = {"value": observations["value"][:10], "@odata.nextLink": "page-2"}
    pages = {"page-2": {"value": observations["value"][10:]}}
    answer = make_fetch()

    def fetch(url: str) -> bytes:
        if url in pages:
            return json.dumps(pages[url]).encode()
        if "/Observations" in url:
            return json.dumps(first).encode()
        return answer(url)

    frame = cbsrefresh.fetch_population(YEARS, fetch=fetch)
    assert sorted(frame["gemeentecode"].unique()) == CODES


# --- failures: one clear InputError --------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (urllib.error.URLError("no network"), "no network"),
        (TimeoutError("timed out"), "geen antwoord binnen de tijdslimiet"),
        (
            urllib.error.HTTPError("u", 503, "Service Unavailable", {}, io.BytesIO(b"")),
            "HTTP-fout 503 Service Unavailable",
        ),
        (ConnectionResetError("connection reset by peer"), "connection reset by peer"),
    ],
)
def test_network_failures_give_one_clear_message(exc, reason):
    with pytest.raises(InputError) as info:
        cbsrefresh.fetch_population(YEARS, fetch=raising(exc))
    assert len(info.value.problems) == 1
    message = str(info.value.problems[0])
    assert message.startswith(f"CBS StatLine (03759ned): niet bereikbaar ({reason}).")
    assert (
        "werkt offline met de meegeleverde gegevens in data/raw; verversen is optioneel" in message
    )


@pytest.mark.parametrize(
    "body",
    [b"<html>Service tijdelijk niet beschikbaar</html>", b'{"value": [', b"\xff\xfe", b"[]"],
)
def test_malformed_answers_give_one_clear_message(body):
    with pytest.raises(InputError) as info:
        cbsrefresh.fetch_population(YEARS, fetch=lambda url: body)
    assert len(info.value.problems) == 1
    assert "CBS StatLine (03759ned): gaf een onverwacht antwoord" in str(info.value)


def test_default_fetch_offline_is_a_clear_error(monkeypatch):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(cbsrefresh.urllib.request, "urlopen", no_network)
    with pytest.raises(InputError, match="niet bereikbaar .*name resolution"):
        cbsrefresh.fetch_population(YEARS)


def test_invalid_figures_are_refused():
    observations = recorded("observations")
    observations["value"][12]["Value"] = -27011
    with pytest.raises(InputError, match="population_jan1.*kleiner dan het minimum"):
        cbsrefresh.fetch_population(YEARS, fetch=make_fetch(observations))


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        RAW_DIR / "cbs_population_total_municipalities_2019_2026.csv",
        RAW_DIR / "new.csv",
        RAW_DIR / ".." / "raw" / "sub" / "x.csv",
        RAW_DIR,
    ],
)
def test_never_writes_into_data_raw(target):
    before = rawdata.sha256(RAW_DIR / rawdata.FILES["population"])
    calls: list[str] = []
    with pytest.raises(InputError, match="nooit in data/raw geschreven"):
        cbsrefresh.refresh_population(YEARS, target, fetch=make_fetch(calls=calls))
    assert calls == []  # refused before anything was fetched
    assert rawdata.sha256(RAW_DIR / rawdata.FILES["population"]) == before
    assert not (RAW_DIR / "new.csv").exists() and not (RAW_DIR / "sub").exists()


def test_default_target_is_the_ignored_interim_folder():
    assert cbsrefresh.DEFAULT_OUT.relative_to(cbsrefresh.DATA_DIR).as_posix() == (
        "interim/cbs_population_refreshed.csv"
    )


def test_refresh_writes_a_valid_file_in_the_shipped_format(tmp_path):
    reports: list[str] = []
    out = cbsrefresh.refresh_population(
        YEARS, tmp_path / "sub" / "pop.csv", fetch=make_fetch(), report=reports.append
    )
    assert out == tmp_path / "sub" / "pop.csv"
    assert sorted(p.name for p in out.parent.iterdir()) == ["pop.csv"]  # no temporary left
    frame = rawdata.load_population(out)
    assert frame.query("gemeentecode == 'GM0197' and year == 2019")["population_jan1"].item() == (
        27011
    )
    shipped_lines = (RAW_DIR / rawdata.FILES["population"]).read_text(encoding="utf-8")
    expected = [
        line
        for line in shipped_lines.splitlines()[1:]
        if line[:6] in CODES and line.split(",")[2] in {"2019", "2020"}
    ]
    written = out.read_text(encoding="utf-8").splitlines()
    assert written[0] == shipped_lines.splitlines()[0]
    assert written[1:] == expected  # same numbers, same text (27066, not 27066.0)
    assert len(reports) == 1 and "0 waarden gewijzigd" in reports[0]


def test_a_failed_refresh_leaves_an_existing_file_alone(tmp_path):
    out = tmp_path / "pop.csv"
    out.write_text("previous refresh\n", encoding="utf-8")
    observations = recorded("observations")
    observations["value"][12]["Value"] = -1
    with pytest.raises(InputError):
        cbsrefresh.refresh_population(YEARS, out, fetch=make_fetch(observations))
    with pytest.raises(InputError):
        cbsrefresh.refresh_population(YEARS, out, fetch=raising(urllib.error.URLError("down")))
    assert out.read_text(encoding="utf-8") == "previous refresh\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pop.csv"]


# --- differences against the shipped file --------------------------------------------------


def test_no_differences_for_matching_rows(shipped):
    frame = cbsrefresh.fetch_population(YEARS, fetch=make_fetch())
    subset = shipped[shipped["gemeentecode"].isin(CODES)]
    differences = cbsrefresh.compare_with_shipped(frame, subset)
    assert differences.empty
    assert "gelijk aan het meegeleverde bestand" in cbsrefresh.summarize_differences(differences)


def test_a_changed_value_is_reported(shipped, tmp_path):
    observations = recorded("observations")
    aalten_avg_2020 = observations["value"][15]
    assert (aalten_avg_2020["RegioS"], aalten_avg_2020["Measure"]) == ("GM0197", "M000365")
    aalten_avg_2020["Value"] = 27130.5
    out = cbsrefresh.refresh_population(YEARS, tmp_path / "pop.csv", fetch=make_fetch(observations))
    subset = shipped[shipped["gemeentecode"].isin(CODES)]
    differences = cbsrefresh.compare_with_shipped(out, subset)
    assert differences.to_dict("records") == [
        {
            "gemeentecode": "GM0197",
            "gemeente": "Aalten",
            "year": 2020,
            "column": "population_avg",
            "shipped": 27120.5,
            "refreshed": 27130.5,
            "difference": 10.0,
            "change": "changed",
        }
    ]
    summary = cbsrefresh.summarize_differences(differences)
    assert "1 waarde gewijzigd" in summary
    assert "GM0197 Aalten 2020 population_avg: 27120.5 -> 27130.5 (+10)" in summary


def test_rows_missing_on_either_side_are_reported(shipped):
    frame = cbsrefresh.fetch_population(YEARS, fetch=make_fetch())
    subset = shipped[shipped["gemeentecode"].isin(["GM0197", "GM0358", "GM0222"])]
    differences = cbsrefresh.compare_with_shipped(frame, subset)
    kinds = differences.groupby("change")["gemeentecode"].agg(lambda s: sorted(set(s)))
    assert kinds.to_dict() == {"only in refresh": ["GM0003"], "only in shipped file": ["GM0222"]}
    assert set(differences["year"]) == {2019, 2020}  # only the years both contain
    summary = cbsrefresh.summarize_differences(differences)
    assert (
        "2 gemeente-jaren alleen in de verversing, 2 alleen in het meegeleverde bestand" in summary
    )
