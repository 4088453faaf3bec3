"""Load the shipped public data (``data/raw``), each table validated by its own schema.

Tables and their quirks (see ``data/raw/SOURCES.md``):

* population on 1 January per municipality, 2019-2026 (CBS 03759ned);
* population by 10-year age band per municipality, 1 January 2020;
* Iv3 spending (lasten, x EUR 1 000) per municipality, year, report and taakveld 6.x, 2017-2026.
  Taakveld codes are text (``6.6`` and ``6.60`` differ); the code scheme breaks in 2023 (6.73 and
  6.74 split off from 6.72) and in 2025 (6.75/6.76/6.79 ...); negative amounts are real
  corrections and are kept; codes that exist depend on the year (municipal mergers);
* Iv3 taakveld titles per year;
* the Achterhoek boundaries (GeoJSON) for maps.

Every loader returns a fresh DataFrame; the parsed files are cached per path and modification
time, so notebooks can call them freely.

>>> iv3 = load_iv3()
>>> sorted(iv3["report"].unique())
['begroting', 'jaarrekening']
>>> round(iv3.query("gemeentecode == 'GM0197' and year == 2020 and report == 'jaarrekening'"
...                 " and taakveld == '6.72'")["spending_keur"].item())
6811
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import pandas as pd

from bekostiging.core.errors import InputError, Problem, display_path
from bekostiging.core.paths import RAW_DIR
from bekostiging.core.tables import Column, TableSpec, check_known, read_table

GM_CODE = r"^GM\d{4}$"
YEAR_MIN, YEAR_MAX = 2010, 2040
AGE_BANDS = ("0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")

FILES = {
    "population": "cbs_population_total_municipalities_2019_2026.csv",
    "agebands": "cbs_population_agebands_municipalities_2020.csv",
    "iv3": "iv3_social_domain_spending_municipalities_2017_2026.csv.gz",
    "taakvelden": "iv3_taakvelden.csv",
    "regions": "regions.csv",
    "wmo_clients": "cbs_wmo_clients_aalten_2019_2022.csv",
    "youth_national": "cbs_youth_care_national_2018_2023.csv",
    "boundaries": "achterhoek_municipalities_2015.geojson",
    "kwb_use": "cbs_kwb2022_youthcare_wmo_municipalities.csv",
    "iv3_balance": "iv3_balance_reserves_municipalities_2017_2024.csv",
}

POPULATION = TableSpec(
    "population",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("year", "int", min=YEAR_MIN, max=YEAR_MAX),
        Column("population_jan1", "int", min=0),
        Column("population_avg", "float", nullable=True, min=0),
    ],
    key=["gemeentecode", "year"],
)

AGEBANDS = TableSpec(
    "population by age band",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("year", "int", min=YEAR_MIN, max=YEAR_MAX),
        Column("age_band", "str", allowed=AGE_BANDS),
        Column("population", "int", min=0),
    ],
    key=["gemeentecode", "year", "age_band"],
)

IV3 = TableSpec(
    "Iv3 spending",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("year", "int", min=YEAR_MIN, max=YEAR_MAX),
        Column("report", "str", allowed=("begroting", "jaarrekening")),
        Column("taakveld", "str", pattern=r"^6(\.\d{1,3})?$"),
        Column("taakveld_title", "str"),
        # Negative lasten are real (corrections, released provisions): no minimum here.
        Column("spending_keur", "float"),
        Column("inhabitants", "int", min=0),
    ],
    key=["gemeentecode", "year", "report", "taakveld"],
)

TAAKVELDEN = TableSpec(
    "Iv3 taakvelden",
    [
        Column("year", "int", min=YEAR_MIN, max=YEAR_MAX),
        Column("taakveld", "str", pattern=r"^6(\.\d{1,3})?$"),
        Column("title", "str"),
    ],
    key=["year", "taakveld"],
)

REGIONS = TableSpec(
    "regions",
    [
        Column("region", "str"),
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
    ],
    key=["region", "gemeentecode"],
)

WMO_CLIENTS = TableSpec(
    "Wmo clients",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("periode", "str"),
        Column("type_maatwerkvoorziening", "str"),
        Column("wmo_clienten_aantal", "int", min=0),
        Column("wmo_clienten_per_1000_inwoners", "float", min=0, max=1000),
    ],
    key=["gemeentecode", "periode", "type_maatwerkvoorziening"],
)

YOUTH_NATIONAL = TableSpec(
    "youth care national",
    [
        Column("gebied", "str"),
        Column("periode", "str"),
        Column("indicator", "str"),
        Column("aantal", "int", min=0),
    ],
    key=["gebied", "periode", "indicator"],
)


KWB_USE = TableSpec(
    "CBS KWB 2022 youth-care and Wmo use",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("kwb_edition", "int", min=YEAR_MIN, max=YEAR_MAX),
        Column("pct_youth_with_jeugdzorg_in_natura", "float", nullable=True, min=0, max=100),
        Column("wmo_clients_per_1000_inhabitants", "float", nullable=True, min=0, max=1000),
        Column("inhabitants", "int", min=0),
    ],
    key=["gemeentecode"],
)


IV3_BALANCE = TableSpec(
    "Iv3 balance sheets",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("year", "int", min=YEAR_MIN, max=YEAR_MAX),
        Column("report", "str", allowed=("jaarrekening",)),
        # negative eigen vermogen is real (Vlissingen 2017-2021): no minimum
        Column("eigen_vermogen_keur", "float"),
        Column("balanstotaal_keur", "float", min=0),
        Column("reserve_additions_keur", "float", nullable=True),
        Column("reserve_withdrawals_keur", "float", nullable=True),
        Column("inhabitants", "int", min=0),
    ],
    key=["gemeentecode", "year"],
)


def _path(name: str, path: str | Path | None) -> Path:
    return Path(path) if path is not None else RAW_DIR / FILES[name]


def _cached(loader):
    """Cache a loader per (path, mtime, size) and hand out copies."""

    @functools.lru_cache(maxsize=32)
    def cached(path: str, mtime: float, size: int) -> pd.DataFrame:
        return loader(Path(path))

    @functools.wraps(loader)
    def wrapper(path: Path) -> pd.DataFrame:
        if not path.is_file():
            raise InputError(Problem(display_path(path), "file not found"))
        st = path.stat()
        return cached(str(path.resolve()), st.st_mtime, st.st_size).copy()

    return wrapper


@_cached
def _load_population(path: Path) -> pd.DataFrame:
    return read_table(path, POPULATION)


@_cached
def _load_agebands(path: Path) -> pd.DataFrame:
    return read_table(path, AGEBANDS)


@_cached
def _load_taakvelden(path: Path) -> pd.DataFrame:
    return read_table(path, TAAKVELDEN)


@_cached
def _load_iv3(path: Path) -> pd.DataFrame:
    frame = read_table(path, IV3)
    return frame


def load_population(path: str | Path | None = None) -> pd.DataFrame:
    """Population on 1 January (and the year average) per municipality and year.

    >>> pop = load_population()
    >>> int(pop.query("year == 2019 and gemeentecode == 'GM0197'")["population_jan1"].item())
    27011
    """
    return _load_population(_path("population", path))


def load_agebands(path: str | Path | None = None) -> pd.DataFrame:
    """Population by 10-year age band per municipality, 1 January 2020.

    >>> ab = load_agebands()
    >>> int(ab.query("gemeentecode == 'GM0197'")["population"].sum())
    27121
    """
    return _load_agebands(_path("agebands", path))


def load_taakvelden(path: str | Path | None = None) -> pd.DataFrame:
    """Iv3 taakveld codes and titles per year (codes as text).

    >>> tv = load_taakvelden()
    >>> sorted(tv.query("year == 2023")["taakveld"])[-4:]
    ['6.73', '6.74', '6.81', '6.82']
    """
    return _load_taakvelden(_path("taakvelden", path))


def load_iv3(
    path: str | Path | None = None, taakvelden: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Iv3 lasten per municipality, year, report and taakveld, validated.

    Besides the schema, every taakveld must exist in that year's code scheme (a ``6.73`` in 2021
    is an error), which catches mixed-up years and renamed codes.
    """
    p = _path("iv3", path)
    frame = _load_iv3(p)
    tv = taakvelden if taakvelden is not None else load_taakvelden()
    known = tv.groupby("year")["taakveld"].agg(set).to_dict()
    problems = check_known(
        frame,
        "taakveld",
        known,
        display_path(p),
        "taakveld not in that year's Iv3 scheme",
        by="year",
    )
    if problems:
        raise InputError(problems)
    return frame


def load_regions_csv(path: str | Path | None = None) -> pd.DataFrame:
    """The region membership list shipped with the data (only the Achterhoek)."""
    return read_table(_path("regions", path), REGIONS)


def load_wmo_clients(path: str | Path | None = None) -> pd.DataFrame:
    """CBS Wmo clients for Aalten by type of maatwerkvoorziening (calibration of prevalence)."""
    return read_table(_path("wmo_clients", path), WMO_CLIENTS)


def load_kwb_use(path: str | Path | None = None) -> pd.DataFrame:
    """CBS KWB 2022 per municipality: % of young people with jeugdzorg in natura and Wmo clients
    per 1,000 inhabitants (observed use; :mod:`bekostiging.model.clients`).

    >>> k = load_kwb_use()
    >>> k.set_index("gemeentecode").loc["GM0197", ["pct_youth_with_jeugdzorg_in_natura",
    ...     "wmo_clients_per_1000_inhabitants"]].tolist()
    [10.9, 76.0]
    """
    return read_table(_path("kwb_use", path), KWB_USE)


def load_iv3_balance(path: str | Path | None = None) -> pd.DataFrame:
    """Iv3 balance per municipality and year (jaarrekening): eigen vermogen and balance total
    at 31 December, EUR 1,000 (:func:`bekostiging.model.risk.available_capacity`).

    >>> b = load_iv3_balance().set_index(["gemeentecode", "year"])
    >>> float(b.loc[("GM0197", 2024), "eigen_vermogen_keur"])  # Aalten, end of 2024
    35837.0
    """
    return read_table(_path("iv3_balance", path), IV3_BALANCE)


def load_youth_national(path: str | Path | None = None) -> pd.DataFrame:
    """CBS national counts of young people with jeugdhulp (calibration of prevalence)."""
    return read_table(_path("youth_national", path), YOUTH_NATIONAL)


def load_boundaries(path: str | Path | None = None) -> dict:
    """Municipal boundaries as a GeoJSON FeatureCollection (for maps only; coarse geometry).

    >>> geo = load_boundaries()
    >>> sorted(f["properties"]["gemeentecode"] for f in geo["features"])[:2]
    ['GM0197', 'GM0222']
    """
    p = _path("boundaries", path)
    shown = display_path(p)
    if not p.is_file():
        raise InputError(Problem(shown, "file not found"))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(Problem(shown, f"not valid GeoJSON: {exc}", row=line)) from None
    problems = []
    if data.get("type") != "FeatureCollection":
        problems.append(Problem(shown, "not a FeatureCollection", found=data.get("type")))
    for i, feat in enumerate(data.get("features", [])):
        code = feat.get("properties", {}).get("gemeentecode", "")
        geom = (feat.get("geometry") or {}).get("type")
        if not isinstance(code, str) or not code.startswith("GM"):
            problems.append(
                Problem(shown, f"feature {i} has no gemeentecode", column="gemeentecode")
            )
        if geom not in {"Polygon", "MultiPolygon"}:
            problems.append(Problem(shown, f"feature {i} is not a polygon", found=geom))
    if problems:
        raise InputError(problems)
    return data


# --- checksums -----------------------------------------------------------------------------


def read_checksums(raw_dir: Path = RAW_DIR) -> dict[str, str]:
    """The expected SHA-256 per file, from ``data/raw/checksums.sha256``."""
    path = raw_dir / "checksums.sha256"
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise InputError(Problem(display_path(path), "malformed checksum line", row=lineno))
        out[parts[1]] = parts[0]
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_checksums(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Compare every raw file with its recorded checksum; raise if any differs or is missing.

    Returns a provenance table (file, sha256, size) for reports.

    >>> table = verify_checksums()
    >>> bool(table["ok"].all())
    True
    """
    expected = read_checksums(raw_dir)
    rows, problems = [], []
    for name, digest in sorted(expected.items()):
        path = raw_dir / name
        if not path.is_file():
            problems.append(Problem(display_path(path), "raw data file is missing"))
            continue
        actual = sha256(path)
        ok = actual == digest
        if not ok:
            problems.append(
                Problem(
                    display_path(path),
                    "raw data file differs from its recorded checksum (data/raw is immutable)",
                    found=actual[:16] + "...",
                    expected=digest[:16] + "...",
                )
            )
        rows.append({"file": name, "sha256": actual, "bytes": path.stat().st_size, "ok": ok})
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows)
