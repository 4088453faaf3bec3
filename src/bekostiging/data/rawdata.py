"""Load the shipped public data (``data/raw``), each table validated by its own schema.

Tables and their quirks (see ``data/raw/SOURCES.md``):

* population on 1 January per municipality, 2019-2026 (CBS 03759ned);
* population by 10-year age band per municipality, 1 January 2020;
* Iv3 spending (lasten, x EUR 1 000) per municipality, year, report and taakveld 6.x, 2017-2026.
  Taakveld codes are text (``6.6`` and ``6.60`` differ); the code scheme breaks in 2023 (6.73 and
  6.74 split off from 6.72) and in 2025 (6.75/6.76/6.79 ...); negative amounts are real
  corrections and are kept; codes that exist depend on the year (municipal mergers);
* Iv3 taakveld titles per year;
* the national municipal boundaries of 2023 and 2024 (GeoJSON) for maps; invalid outlines
  are repaired on load.

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

import csv
import functools
import gzip
import hashlib
import json
import re
import subprocess
import zlib
from pathlib import Path

import pandas as pd
import shapely
import shapely.errors
import shapely.geometry

from bekostiging.core.errors import InputError, Problem, display_path
from bekostiging.core.paths import PROJECT_ROOT, RAW_DIR
from bekostiging.core.tables import (
    Column,
    TableSpec,
    check_known,
    read_bytes,
    read_table,
    unreadable,
)

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
    "boundaries": "cbs_municipalities_2024.geojson",
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
            raise InputError(Problem(display_path(path), "bestand niet gevonden"))
        st = path.stat()
        return cached(str(path.resolve()), st.st_mtime, st.st_size).copy()

    return wrapper


@_cached
def _load_population(path: Path) -> pd.DataFrame:
    return read_table(path, POPULATION, dutch="refuse")


@_cached
def _load_agebands(path: Path) -> pd.DataFrame:
    return read_table(path, AGEBANDS, dutch="refuse")


@_cached
def _load_taakvelden(path: Path) -> pd.DataFrame:
    return read_table(path, TAAKVELDEN, dutch="refuse")


@_cached
def _load_iv3(path: Path) -> pd.DataFrame:
    frame = read_table(path, IV3, dutch="refuse")
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
        "taakveld bestaat niet in de Iv3-indeling van dat jaar",
        by="year",
    )
    if problems:
        raise InputError(problems)
    return frame


def load_regions_csv(path: str | Path | None = None) -> pd.DataFrame:
    """The region membership list shipped with the data (only the Achterhoek)."""
    return read_table(_path("regions", path), REGIONS, dutch="refuse")


def load_wmo_clients(path: str | Path | None = None) -> pd.DataFrame:
    """CBS Wmo clients for Aalten by type of maatwerkvoorziening (calibration of prevalence)."""
    return read_table(_path("wmo_clients", path), WMO_CLIENTS, dutch="refuse")


def load_kwb_use(path: str | Path | None = None) -> pd.DataFrame:
    """CBS KWB 2022 per municipality: % of young people with jeugdzorg in natura and Wmo clients
    per 1,000 inhabitants (observed use; :mod:`bekostiging.model.clients`).

    >>> k = load_kwb_use()
    >>> k.set_index("gemeentecode").loc["GM0197", ["pct_youth_with_jeugdzorg_in_natura",
    ...     "wmo_clients_per_1000_inhabitants"]].tolist()
    [10.9, 76.0]
    """
    return read_table(_path("kwb_use", path), KWB_USE, dutch="refuse")


def load_iv3_balance(path: str | Path | None = None) -> pd.DataFrame:
    """Iv3 balance per municipality and year (jaarrekening): eigen vermogen and balance total
    at 31 December, EUR 1,000 (:func:`bekostiging.model.risk.available_capacity`).

    >>> b = load_iv3_balance().set_index(["gemeentecode", "year"])
    >>> float(b.loc[("GM0197", 2024), "eigen_vermogen_keur"])  # Aalten, end of 2024
    35837.0
    """
    return read_table(_path("iv3_balance", path), IV3_BALANCE, dutch="refuse")


def load_youth_national(path: str | Path | None = None) -> pd.DataFrame:
    """CBS national counts of young people with jeugdhulp (calibration of prevalence)."""
    return read_table(_path("youth_national", path), YOUTH_NATIONAL, dutch="refuse")


BOUNDARY_YEARS = (2023, 2024)
"""The years of the shipped national outlines (``cbs_municipalities_YYYY.geojson``)."""


def boundary_year(year: int) -> int:
    """The outline year to draw a map for ``year``: the latest shipped one not after it, or
    the first one for an earlier year (the 342 codes of 2023 also cover 2019-2022 regions,
    whose merged municipalities appear under their successor code).

    >>> boundary_year(2024), boundary_year(2023), boundary_year(2021), boundary_year(2026)
    (2024, 2023, 2023, 2024)
    """
    earlier = [y for y in BOUNDARY_YEARS if y <= year]
    return max(earlier) if earlier else min(BOUNDARY_YEARS)


def repair_geometry(geometry: dict) -> dict:
    """A valid GeoJSON (Multi)Polygon for ``geometry``: unchanged when it is valid under OGC
    rules, else repaired with ``shapely.make_valid`` and reduced to its polygons (collapsed
    slivers that became lines or points are dropped). ValueError when no area is left.

    A bow-tie (a ring that crosses itself) becomes two triangles:

    >>> bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    >>> fixed = repair_geometry(bow_tie)
    >>> fixed["type"], len(fixed["coordinates"]), shapely.geometry.shape(fixed).area
    ('MultiPolygon', 2, 2.0)
    """
    geom = shapely.geometry.shape(geometry)
    if geom.is_valid:
        return geometry
    parts = shapely.get_parts(shapely.make_valid(geom))
    polygons = [
        p
        for part in parts
        for p in (shapely.get_parts(part) if part.geom_type == "MultiPolygon" else [part])
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    if not polygons:
        raise ValueError("na herstel blijft er geen oppervlak over")
    fixed = polygons[0] if len(polygons) == 1 else shapely.geometry.MultiPolygon(polygons)
    return json.loads(json.dumps(shapely.geometry.mapping(fixed)))  # tuples -> lists


def _read_boundaries(p: Path) -> dict:
    """Parse, check and repair a boundaries file (uncached)."""
    shown = display_path(p)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(
            Problem(shown, "geen geldig GeoJSON-bestand", row=line, found=str(exc))
        ) from None
    problems = []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InputError(
            Problem(shown, "geen FeatureCollection", found=found, expected="FeatureCollection")
        )
    repaired = 0
    for i, feat in enumerate(data.get("features", [])):
        code = (feat.get("properties") or {}).get("gemeentecode", "")
        geom = feat.get("geometry") or {}
        if not isinstance(code, str) or not re.fullmatch(GM_CODE, code):
            problems.append(
                Problem(shown, f"feature {i} heeft geen geldige gemeentecode",
                        column="gemeentecode", found=code, expected="GM en vier cijfers")
            )  # fmt: skip
        if geom.get("type") not in {"Polygon", "MultiPolygon"}:
            problems.append(Problem(shown, f"feature {i} is geen polygoon", found=geom.get("type")))
            continue
        try:
            fixed = repair_geometry(geom)
        except (ValueError, TypeError, shapely.errors.ShapelyError) as exc:
            problems.append(
                Problem(shown, f"feature {i} ({code}): onbruikbare geometrie", found=str(exc))
            )
            continue
        if fixed is not geom:
            feat["geometry"] = fixed
            repaired += 1
    if problems:
        raise InputError(problems)
    data["repaired"] = repaired
    return data


@functools.lru_cache(maxsize=4)
def _cached_boundaries(path: str, mtime: float, size: int) -> str:
    return json.dumps(_read_boundaries(Path(path)))


def load_boundaries(path: str | Path | None = None, *, year: int | None = None) -> dict:
    """Municipal boundaries as a GeoJSON FeatureCollection (EPSG:4326, for maps only).

    By default the national CBS/Kadaster outlines of ``year`` (2023 or 2024; without a year
    the latest), 342 municipalities each with ``gemeentecode`` and ``gemeentenaam``; or the
    file at ``path``. Invalid geometries are repaired before use (:func:`repair_geometry`);
    the number repaired is in the collection's ``repaired`` member: 8 of the 342 national
    outlines are invalid (self-intersections and degenerate slivers in GM0093, GM0166,
    GM0448, GM0703, GM0718, GM1695, GM1911 and GM1930). The parsed, repaired file is cached
    per path and modification time; every call returns a fresh copy.

    >>> geo = load_boundaries(year=2023)
    >>> len(geo["features"]), geo["repaired"]
    (342, 8)
    >>> "GM1980" in {f["properties"]["gemeentecode"] for f in geo["features"]}  # Dijk en Waard
    True
    """
    if path is None and year is not None:
        if year not in BOUNDARY_YEARS:
            raise InputError(
                Problem(display_path(RAW_DIR), f"geen gemeentegrenzen voor {year}",
                        found=year, expected=f"een van {list(BOUNDARY_YEARS)}")
            )  # fmt: skip
        path = RAW_DIR / f"cbs_municipalities_{year}.geojson"
    p = _path("boundaries", path)
    if not p.is_file():
        raise InputError(Problem(display_path(p), "bestand niet gevonden"))
    st = p.stat()
    return json.loads(_cached_boundaries(str(p.resolve()), st.st_mtime, st.st_size))


# --- checksums -----------------------------------------------------------------------------


def read_checksums(raw_dir: Path = RAW_DIR) -> dict[str, str]:
    """The expected SHA-256 per file, from ``data/raw/checksums.sha256``."""
    path = raw_dir / "checksums.sha256"
    if not path.is_file():
        raise InputError(Problem(display_path(path), "bestand niet gevonden"))
    text = read_bytes(path).decode("utf-8", errors="replace")
    out = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise InputError(
                Problem(display_path(path), "onleesbare regel met controlegetal", row=lineno)
            )
        out[parts[1]] = parts[0]
    return out


def sha256(path: Path) -> str:
    """The SHA-256 of a file; an :class:`InputError` "bestand niet leesbaar" when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None
    return h.hexdigest()


def _committed(path: Path) -> bytes | None:
    """The git-committed version (``HEAD``) of ``path``, or None (no git, not committed)."""
    try:
        rel = path.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "show", f"HEAD:{rel.as_posix()}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _lines(raw: bytes, gz: bool) -> list[str] | None:
    """The text lines of a raw file's bytes (decompressed for ``.gz``), or None if unreadable."""
    try:
        data = gzip.decompress(raw) if gz else raw
        return data.decode("utf-8-sig").splitlines()
    except (OSError, EOFError, UnicodeDecodeError, zlib.error):
        return None


def describe_change(now: list[str], before: list[str], limit: int = 3) -> str:
    """What changed between two versions of a CSV, in Dutch: rows, header, first lines, columns.

    >>> describe_change(["a,b", "1,2", "3,5"], ["a,b", "1,2", "3,4", "5,6"])
    '3 regels in plaats van 4; eerste verschil op regel 3 (kolom b: 5 in plaats van 4)'
    >>> describe_change(["a;b", "1;2"], ["a,b", "1,2"])
    "kopregel gewijzigd: 'a;b' in plaats van 'a,b'; scheidingsteken is ';' (Nederlandse Excel-export)"
    """
    parts = []
    if len(now) != len(before):
        parts.append(f"{len(now)} regels in plaats van {len(before)}")
    if now[:1] != before[:1]:
        head = now[0] if now else ""
        parts.append(f"kopregel gewijzigd: {head[:60]!r} in plaats van {before[0][:60]!r}")
        if head.count(";") > head.count(","):
            parts.append("scheidingsteken is ';' (Nederlandse Excel-export)")
        return "; ".join(parts)
    header = next(csv.reader([before[0]])) if before else []
    differ = [i for i, (a, b) in enumerate(zip(now, before)) if a != b]
    shown = []
    for i in differ[:limit]:
        a, b = next(csv.reader([now[i]]), []), next(csv.reader([before[i]]), [])
        cols = [
            f"{header[j] if j < len(header) else j + 1}: {x} in plaats van {y}"
            for j, (x, y) in enumerate(zip(a, b))
            if x != y
        ]
        if len(a) != len(b):
            cols.append(f"{len(a)} velden in plaats van {len(b)}")
        shown.append(f"regel {i + 1} (kolom {', '.join(cols[:3])})")
    if shown:
        word = "eerste verschil" if len(differ) == 1 or len(now) != len(before) else "verschillen"
        more = f" en nog {len(differ) - limit} regels" if len(differ) > limit else ""
        parts.append(f"{word} op " + "; ".join(shown) + more)
    elif len(now) != len(before):
        longer = now if len(now) > len(before) else before
        extra = len(min(now, before, key=len)) + 1
        what = "toegevoegd" if longer is now else "verwijderd"
        parts.append(f"regels vanaf regel {extra} {what}")
    return "; ".join(parts) or "alleen onzichtbare tekens (regeleinden, spaties) gewijzigd"


def checksum_problem(path: Path, actual: str, digest: str) -> Problem:
    """The problem of a raw file whose checksum differs: what changed (compared with the
    git-committed version when there is one) and how to restore it."""
    shown = display_path(path)
    before = _committed(path)
    gz = path.suffix == ".gz"
    now_lines = _lines(read_bytes(path), gz)
    what = ""
    if before is not None and hashlib.sha256(before).hexdigest() == digest:
        old_lines = _lines(before, gz)
        if now_lines is not None and old_lines is not None:
            what = describe_change(now_lines, old_lines)
    elif now_lines is not None and now_lines:
        what = f"{len(now_lines)} regels, kopregel {now_lines[0][:60]!r}"
    restore = f"herstel het met 'git checkout -- {shown}'"
    return Problem(
        shown,
        "ruw gegevensbestand wijkt af van het vastgelegde controlegetal (data/raw mag niet "
        "veranderen): " + (f"{what}; " if what else "") + restore,
        found=actual[:16] + "...",
        expected=digest[:16] + "...",
    )


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
            problems.append(Problem(display_path(path), "ruw gegevensbestand ontbreekt"))
            continue
        actual = sha256(path)
        ok = actual == digest
        if not ok:
            problems.append(checksum_problem(path, actual, digest))
        rows.append({"file": name, "sha256": actual, "bytes": path.stat().st_size, "ok": ok})
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows)


_LOADERS = {
    "population": load_population,
    "agebands": load_agebands,
    "iv3": load_iv3,
    "taakvelden": load_taakvelden,
    "regions": load_regions_csv,
    "wmo_clients": load_wmo_clients,
    "youth_national": load_youth_national,
    "boundaries": load_boundaries,
    "kwb_use": load_kwb_use,
    "iv3_balance": load_iv3_balance,
}


def verify_raw_data(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """The one check of the raw data that every command runs before it computes anything.

    Verifies the checksums (:func:`verify_checksums`); when files differ, each changed table
    is also read with its schema, so that the message says both that a file changed and what
    is wrong in it now (row, column). Returns the provenance table.

    >>> bool(verify_raw_data()["ok"].all())
    True
    """
    try:
        return verify_checksums(raw_dir)
    except InputError as err:
        problems = list(err.problems)
        changed = {Path(p.file).name for p in problems}
        for name, file in FILES.items():
            if file in changed and (raw_dir / file).is_file():
                try:
                    _LOADERS[name](raw_dir / file)
                except InputError as more:
                    problems += more.problems
        raise InputError(problems) from None
