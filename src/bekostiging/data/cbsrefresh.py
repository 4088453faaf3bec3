"""Optionally refresh the population figures from CBS StatLine (table 03759ned).

The project works offline with the shipped data in ``data/raw``; this module is the optional
way to fetch newer figures. It asks the CBS OData v4 API
(``https://datasets.cbs.nl/odata/v1/CBS/03759ned``) with plain :mod:`urllib`, so it needs no
extra package, and returns exactly the table of the shipped file
``data/raw/cbs_population_total_municipalities_2019_2026.csv``. The slice is the one the shipped
file was cut from: Geslacht ``T001038`` (total), Leeftijd ``10000`` (total), BurgerlijkeStaat
``T001019`` (total); measures ``M000352`` (population on 1 January) and ``M000365`` (average
population).

Every network problem (offline, timeout, HTTP error, a response that is not the expected JSON)
becomes one :class:`~bekostiging.core.errors.InputError` with a clear message, never a traceback.
Refreshed figures are written to ``data/interim`` (git-ignored), never into ``data/raw``.

The function that does HTTP is injectable, so everything runs on a recorded response:

>>> import json
>>> slice_ = {"Geslacht": "T001038", "Leeftijd": "10000", "BurgerlijkeStaat": "T001019"}
>>> recorded = {
...     "Observations": {"value": [
...         {"Measure": "M000352", "Value": 27011, "RegioS": "GM0197", "Perioden": "2019JJ00",
...          **slice_},
...         {"Measure": "M000365", "Value": 27066, "RegioS": "GM0197", "Perioden": "2019JJ00",
...          **slice_}]},
...     "RegioSCodes": {"value": [{"Identifier": "GM0197", "Title": "Aalten"}]},
... }
>>> def fake_fetch(url):
...     endpoint = url.split("/03759ned/")[1].split("?")[0]
...     return json.dumps(recorded[endpoint]).encode()
>>> fetch_population([2019], fetch=fake_fetch)
  gemeentecode gemeente  year  population_jan1  population_avg
0       GM0197   Aalten  2019            27011         27066.0
>>> def offline(url):
...     raise OSError("no network")
>>> try:
...     fetch_population([2019], fetch=offline)
... except InputError as err:
...     print(err.problems[0].message[:32])
niet bereikbaar (no network). He
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.core.atomic import write_csv
from bekostiging.core.errors import InputError, ParameterError, Problem, display_path
from bekostiging.core.paths import DATA_DIR, RAW_DIR
from bekostiging.core.tables import validate_frame
from bekostiging.data import rawdata

TABLE_ID = "03759ned"
BASE_URL = f"https://datasets.cbs.nl/odata/v1/CBS/{TABLE_ID}"
SOURCE = f"CBS StatLine ({TABLE_ID})"
SLICE = {"Geslacht": "T001038", "Leeftijd": "10000", "BurgerlijkeStaat": "T001019"}
MEASURES = {"M000352": "population_jan1", "M000365": "population_avg"}
COLUMNS = [c.name for c in rawdata.POPULATION.columns]
DEFAULT_OUT = DATA_DIR / "interim" / "cbs_population_refreshed.csv"
TIMEOUT_SECONDS = 60
MAX_PAGES = 50
OFFLINE_HINT = (
    "Het project werkt offline met de meegeleverde gegevens in data/raw; verversen is optioneel."
)

Fetch = Callable[[str], bytes]
"""Does one HTTP GET: takes a URL, returns the response body (raises on failure)."""


# --- HTTP ----------------------------------------------------------------------------------


def http_get(url: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The default :data:`Fetch`: one GET with :mod:`urllib`, JSON accepted, with a timeout."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "bekostiging"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _reason(exc: BaseException) -> str:
    """A short human reason for a network failure.

    >>> _reason(urllib.error.URLError("no network"))
    'no network'
    >>> _reason(TimeoutError())
    'geen antwoord binnen de tijdslimiet'
    """
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP-fout {exc.code} {exc.reason}".strip()
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, TimeoutError):
        return "geen antwoord binnen de tijdslimiet"
    return str(exc) or type(exc).__name__


def _unreachable(reason: str) -> InputError:
    return InputError(Problem(SOURCE, f"niet bereikbaar ({reason}). {OFFLINE_HINT}"))


def _unexpected(reason: str) -> InputError:
    return InputError(
        Problem(
            SOURCE,
            f"gaf een onverwacht antwoord ({reason}); er is niets geschreven. {OFFLINE_HINT}",
        )
    )


def get_json(url: str, fetch: Fetch) -> dict:
    """GET ``url`` and parse the JSON object; every failure becomes one :class:`InputError`."""
    try:
        body = fetch(url)
    except (OSError, http.client.HTTPException) as exc:  # URLError, HTTPError, timeouts
        raise _unreachable(_reason(exc)) from None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _unexpected("geen geldige JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise _unexpected("geen lijst 'value' in het antwoord")
    return data


def get_all(url: str, fetch: Fetch) -> list[dict]:
    """All rows of an OData collection, following ``@odata.nextLink`` pages."""
    rows: list[dict] = []
    for _ in range(MAX_PAGES):
        data = get_json(url, fetch)
        rows += [row for row in data["value"] if isinstance(row, dict)]
        url = data.get("@odata.nextLink")
        if not url:
            return rows
    raise _unexpected(f"meer dan {MAX_PAGES} pagina's")


# --- the query -----------------------------------------------------------------------------


def check_years(years: Iterable[int]) -> list[int]:
    """The requested years, sorted and unique; a clear error for anything else.

    >>> check_years([2020, 2019, 2020])
    [2019, 2020]
    """
    try:
        values = list(years)
    except TypeError:
        values = [years]
    bad = [
        y
        for y in values
        if isinstance(y, bool)
        or not isinstance(y, int | np.integer)
        or not rawdata.YEAR_MIN <= y <= rawdata.YEAR_MAX
    ]
    if not values or bad:
        raise ParameterError(
            Problem(
                "jaren",
                "geen geldige jaren om de bevolking te verversen",
                found=", ".join(map(str, bad)) if bad else "(geen)",
                expected=f"een of meer jaren van {rawdata.YEAR_MIN} tot en met {rawdata.YEAR_MAX}",
            )
        )
    return sorted({int(y) for y in values})


def period_code(year: int) -> str:
    """The StatLine code of a whole year.

    >>> period_code(2019)
    '2019JJ00'
    """
    return f"{year}JJ00"


def observations_url(years: Iterable[int]) -> str:
    """The OData URL for the slice: both measures, all municipalities, the given years.

    >>> url = urllib.parse.unquote(observations_url([2019, 2020]))
    >>> "Geslacht eq 'T001038'" in url and "Perioden eq '2020JJ00'" in url
    True
    """

    def any_of(dimension: str, codes: Iterable[str]) -> str:
        return "(" + " or ".join(f"{dimension} eq '{c}'" for c in codes) + ")"

    parts = [f"{dim} eq '{code}'" for dim, code in SLICE.items()]
    parts.append(any_of("Measure", MEASURES))
    parts.append(any_of("Perioden", [period_code(y) for y in check_years(years)]))
    parts.append("startswith(RegioS,'GM')")
    query = urllib.parse.quote(" and ".join(parts), safe="(),'")
    return f"{BASE_URL}/Observations?$filter={query}"


def codes_url() -> str:
    """The OData URL of the region code list (codes and names).

    >>> codes_url()
    'https://datasets.cbs.nl/odata/v1/CBS/03759ned/RegioSCodes'
    """
    return f"{BASE_URL}/RegioSCodes"


# --- parsing -------------------------------------------------------------------------------


def parse_population(
    observations: list[dict], regions: list[dict], years: Iterable[int]
) -> pd.DataFrame:
    """Turn observation rows and region codes into the shipped population table.

    Rows outside the slice, other regions than ``GM`` codes and empty values (CBS marks a
    municipality that did not exist that year as ``Impossible`` with no value) are left out;
    an average that CBS has not published yet stays empty, as in the shipped file.

    >>> obs = [{"Measure": "M000352", "Value": 11642, "RegioS": "GM0003", "Perioden": "2020JJ00",
    ...         **SLICE},
    ...        {"Measure": "M000352", "Value": None, "ValueAttribute": "Impossible",
    ...         "RegioS": "GM0738", "Perioden": "2020JJ00", **SLICE}]
    >>> parse_population(obs, [{"Identifier": "GM0003", "Title": "Appingedam"}], [2020])
      gemeentecode    gemeente  year  population_jan1  population_avg
    0       GM0003  Appingedam  2020            11642             NaN
    """
    wanted = {period_code(y): y for y in check_years(years)}
    names = {
        str(r.get("Identifier", "")).strip(): str(r.get("Title", "")).strip()
        for r in regions
        if str(r.get("Identifier", "")).strip().startswith("GM")
    }
    values: dict[tuple[str, int], dict[str, float]] = {}
    for row in observations:
        code = str(row.get("RegioS", "")).strip()
        year = wanted.get(str(row.get("Perioden", "")).strip())
        column = MEASURES.get(row.get("Measure"))
        in_slice = all(str(row.get(dim, "")).strip() == c for dim, c in SLICE.items())
        if not (in_slice and code.startswith("GM") and year and column):
            continue
        value = row.get("Value")
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _unexpected(f"{code} {year}: {value!r} is geen getal")
        cell = values.setdefault((code, year), {})
        if column in cell:
            raise _unexpected(f"{code} {year} komt twee keer voor")
        cell[column] = float(value)
    rows = [
        {
            "gemeentecode": code,
            "gemeente": names.get(code),
            "year": year,
            "population_jan1": cell["population_jan1"],
            "population_avg": cell.get("population_avg", np.nan),
        }
        for (code, year), cell in values.items()
        if "population_jan1" in cell
    ]
    missing_names = sorted({r["gemeentecode"] for r in rows if not r["gemeente"]})
    if missing_names:
        raise _unexpected("geen naam in de lijst met regiocodes voor " + ", ".join(missing_names))
    absent = [y for y in wanted.values() if y not in {r["year"] for r in rows}]
    if absent:
        raise InputError(
            Problem(
                SOURCE,
                "heeft (nog) geen bevolkingscijfers voor " + ", ".join(map(str, absent)),
                expected="jaren die CBS heeft gepubliceerd; het meegeleverde bestand dekt 2019-2026",
            )
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("gemeentecode", "gemeente"):  # text as plain objects, like read_table
        frame[column] = frame[column].astype(object)
    frame["year"] = frame["year"].astype("int64")
    frame["population_avg"] = frame["population_avg"].astype("float64")
    if not np.equal(np.round(frame["population_jan1"]), frame["population_jan1"]).all():
        raise _unexpected("een bevolking op 1 januari is geen geheel getal")
    frame["population_jan1"] = frame["population_jan1"].astype("int64")
    return frame.sort_values(["gemeentecode", "year"]).reset_index(drop=True)


def fetch_population(years: Iterable[int], fetch: Fetch | None = None) -> pd.DataFrame:
    """Population on 1 January and the year average per municipality from CBS 03759ned.

    Returns the columns of the shipped file (``gemeentecode, gemeente, year,
    population_jan1, population_avg``), validated with :data:`bekostiging.data.rawdata.POPULATION`.
    ``fetch`` does the HTTP (default :func:`http_get`); tests pass a recorded response.
    Raises :class:`InputError` offline, on any network failure and on unexpected answers.
    """
    fetch = fetch or http_get
    wanted = check_years(years)
    observations = get_all(observations_url(wanted), fetch)
    regions = get_all(codes_url(), fetch)
    frame = parse_population(observations, regions, wanted)
    problems = validate_frame(frame, rawdata.POPULATION, f"{SOURCE}, antwoord")
    if problems:
        raise InputError(problems)
    return frame


# --- comparing and writing -----------------------------------------------------------------


def compare_with_shipped(
    refreshed: pd.DataFrame | str | Path, shipped: pd.DataFrame | None = None
) -> pd.DataFrame:
    """How refreshed figures differ from the shipped file, for the years both contain.

    One row per differing value: ``gemeentecode, gemeente, year, column, shipped, refreshed,
    difference, change``; ``change`` is ``changed``, ``only in refresh`` or ``only in shipped
    file``. Empty when the figures agree. ``shipped`` defaults to the file in ``data/raw``.

    >>> shipped = rawdata.load_population()
    >>> mine = shipped.query("gemeentecode == 'GM0197' and year == 2019").copy()
    >>> len(compare_with_shipped(mine, shipped.query("gemeentecode == 'GM0197'")))
    0
    >>> mine["population_jan1"] = 27015
    >>> compare_with_shipped(mine, shipped.query("gemeentecode == 'GM0197'"))[
    ...     ["gemeentecode", "year", "column", "shipped", "refreshed", "difference"]]
      gemeentecode  year           column  shipped  refreshed  difference
    0       GM0197  2019  population_jan1  27011.0    27015.0         4.0
    """
    if not isinstance(refreshed, pd.DataFrame):
        refreshed = rawdata.load_population(refreshed)
    shipped = rawdata.load_population() if shipped is None else shipped
    years = sorted(set(refreshed["year"]) & set(shipped["year"]))
    key = ["gemeentecode", "year"]
    merged = pd.merge(
        shipped[shipped["year"].isin(years)],
        refreshed[refreshed["year"].isin(years)],
        on=key,
        how="outer",
        suffixes=("_shipped", "_refreshed"),
        indicator=True,
    )
    out = []
    for column in MEASURES.values():
        old = merged[f"{column}_shipped"].astype("float64")
        new = merged[f"{column}_refreshed"].astype("float64")
        same = np.isclose(old, new, rtol=0, atol=1e-6) | (old.isna() & new.isna())
        part = merged.loc[~same, key].copy()
        part["gemeente"] = merged.loc[~same, "gemeente_refreshed"].fillna(
            merged.loc[~same, "gemeente_shipped"]
        )
        part["column"] = column
        part["shipped"] = old[~same]
        part["refreshed"] = new[~same]
        part["difference"] = new[~same] - old[~same]
        part["change"] = merged.loc[~same, "_merge"].map(
            {
                "both": "changed",
                "right_only": "only in refresh",
                "left_only": "only in shipped file",
            }
        )
        out.append(part)
    columns = ["gemeentecode", "gemeente", "year", "column", "shipped", "refreshed"]
    result = pd.concat(out, ignore_index=True)[[*columns, "difference", "change"]]
    result["change"] = result["change"].astype(str)
    return result.sort_values(["gemeentecode", "year", "column"]).reset_index(drop=True)


def _shown(value: float) -> str:
    return "leeg" if pd.isna(value) else f"{value:g}"


def summarize_differences(differences: pd.DataFrame, limit: int = 10) -> str:
    """A short text for the command line about :func:`compare_with_shipped`'s result.

    >>> shipped = rawdata.load_population().query("gemeentecode == 'GM0197'")
    >>> print(summarize_differences(compare_with_shipped(shipped.head(2), shipped)))
    De ververste cijfers zijn gelijk aan het meegeleverde bestand in de jaren die in beide staan.
    >>> mine = shipped.head(2).assign(population_jan1=[27011, 27120])
    >>> print(summarize_differences(compare_with_shipped(mine, shipped)))
    Verschillen met het meegeleverde bestand (in 2020):
      1 waarde gewijzigd, 0 gemeente-jaren alleen in de verversing, 0 alleen in het meegeleverde bestand.
      GM0197 Aalten 2020 population_jan1: 27121 -> 27120 (-1)
    """
    if differences.empty:
        return (
            "De ververste cijfers zijn gelijk aan het meegeleverde bestand in de jaren die in "
            "beide staan."
        )
    changed = differences[differences["change"] == "changed"]
    key = ["gemeentecode", "year"]

    def places(change: str) -> int:
        return len(differences.loc[differences["change"] == change, key].drop_duplicates())

    years = ", ".join(str(y) for y in sorted(differences["year"].unique()))
    lines = [
        f"Verschillen met het meegeleverde bestand (in {years}):",
        f"  {len(changed)} {'waarde' if len(changed) == 1 else 'waarden'} gewijzigd, "
        f"{places('only in refresh')} gemeente-jaren alleen in de verversing, "
        f"{places('only in shipped file')} alleen in het meegeleverde bestand.",
    ]
    for row in changed.head(limit).itertuples(index=False):
        step = "" if pd.isna(row.difference) else f" ({row.difference:+g})"
        lines.append(
            f"  {row.gemeentecode} {row.gemeente} {row.year} {row.column}: "
            f"{_shown(row.shipped)} -> {_shown(row.refreshed)}{step}"
        )
    if len(changed) > limit:
        lines.append(f"  ... en nog {len(changed) - limit} gewijzigde waarden")
    return "\n".join(lines)


def _refuse_raw(out_path: Path) -> None:
    target = out_path.resolve()
    raw = RAW_DIR.resolve()
    if target == raw or target.is_relative_to(raw):
        raise ParameterError(
            Problem(
                display_path(out_path),
                "ververste cijfers worden nooit in data/raw geschreven (de meegeleverde "
                "gegevens veranderen niet en zijn vastgelegd met controlegetallen)",
                expected=f"een pad buiten data/raw, bijvoorbeeld {display_path(DEFAULT_OUT)}",
            )
        )


def refresh_population(
    years: Iterable[int],
    out_path: str | Path | None = None,
    fetch: Fetch | None = None,
    *,
    report: Callable[[str], object] | None = None,
) -> Path:
    """Fetch, validate and atomically write refreshed population figures; return the path.

    ``out_path`` defaults to ``data/interim/cbs_population_refreshed.csv``; a path inside
    ``data/raw`` is refused before anything is fetched. The file has the shipped file's format
    and reads with :func:`bekostiging.data.rawdata.load_population`. ``report`` (e.g. ``print``)
    receives :func:`summarize_differences` against the shipped file; for the table itself call
    :func:`compare_with_shipped` on the returned path.
    """
    out = Path(out_path) if out_path is not None else DEFAULT_OUT
    _refuse_raw(out)
    frame = fetch_population(years, fetch=fetch)
    write_csv(out, frame, float_format="%.10g")
    if report is not None:
        report(summarize_differences(compare_with_shipped(frame)))
    return out
