"""Benchmark against all Dutch municipalities (start-budget step 7d).

Spending per relevant inhabitant, per domain, for every municipality in the Iv3 data of a year:

* **jeugdhulp**: youth care task fields (6.72-6.74, from 2025 6.75/6.76; youth protection 6.82
  is left out) per inhabitant aged 0-17;
* **wmo**: Wmo support and aids (6.6 and 6.71, from 2025 6.60 and 6.71; the two are taken
  together because municipalities book the same care on either) per inhabitant aged 18+.

Sheltered housing (6.81) is left out: centrumgemeenten book it for whole regions.

Inhabitants per age group: the Iv3 inhabitants of the year times the municipality's 2020 age
share (CBS age bands). Municipalities formed after 1 January 2020 have no 2020 bands and are
left out of the per-age comparison (counted in ``excluded``). Each municipality gets its
percentile rank among all, the national median and the median of its size class.

>>> t = peer_table(2024)
>>> int(t.query("gemeentecode == 'GM0197' and domain == 'jeugdhulp'")["n_peers"].item()) > 300
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bekostiging.data.rawdata import load_agebands, load_iv3
from bekostiging.model.population import AGEBAND_YEAR

DOMAINS = {
    "jeugdhulp": {
        "fields": ("6.72", "6.73", "6.74", "6.75", "6.76"),
        "bands": {"0-9": 1.0, "10-19": 0.8},
    },
    "wmo": {
        "fields": ("6.6", "6.60", "6.71"),
        "bands": {
            "10-19": 0.2,
            "20-29": 1.0,
            "30-39": 1.0,
            "40-49": 1.0,
            "50-59": 1.0,
            "60-69": 1.0,
            "70-79": 1.0,
            "80-89": 1.0,
            "90+": 1.0,
        },
    },
}
SIZE_CLASSES = [
    (0, 20_000, "< 20.000"),
    (20_000, 50_000, "20.000-50.000"),
    (50_000, 100_000, "50.000-100.000"),
    (100_000, 10**9, ">= 100.000"),
]


def size_class(inhabitants: float) -> str:
    """CBS-style size class of a municipality.

    >>> size_class(27_121), size_class(58_001)
    ('20.000-50.000', '50.000-100.000')
    """
    return next(label for lo, hi, label in SIZE_CLASSES if lo <= inhabitants < hi)


def _age_shares(agebands: pd.DataFrame) -> pd.DataFrame:
    bands = agebands[agebands["year"] == AGEBAND_YEAR].pivot_table(
        index="gemeentecode", columns="age_band", values="population", aggfunc="sum"
    )
    total = bands.sum(axis=1)
    out = {}
    for domain, spec in DOMAINS.items():
        w = pd.Series(spec["bands"]).reindex(bands.columns).fillna(0.0)
        out[domain] = (bands * w).sum(axis=1) / total
    return pd.DataFrame(out)


def peer_table(
    year: int,
    report: str = "jaarrekening",
    iv3: pd.DataFrame | None = None,
    agebands: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Spend per relevant inhabitant for every municipality, with ranks and medians."""
    iv3 = load_iv3() if iv3 is None else iv3
    shares = _age_shares(load_agebands() if agebands is None else agebands)
    rows = iv3[(iv3["year"] == year) & (iv3["report"] == report)]
    if rows.empty:
        raise ValueError(f"no Iv3 {report} for {year}")
    inh = rows.groupby("gemeentecode")["inhabitants"].first()
    names = rows.groupby("gemeentecode")["gemeente"].first()
    frames = []
    for domain, spec in DOMAINS.items():
        spend = (
            rows[rows["taakveld"].isin(spec["fields"])]
            .groupby("gemeentecode")["spending_keur"]
            .sum()
        )
        spend = spend.reindex(inh.index).fillna(0.0) * 1000.0
        rel = inh * shares[domain].reindex(inh.index)
        f = pd.DataFrame(
            {
                "gemeente": names,
                "domain": domain,
                "spend": spend,
                "inhabitants": inh,
                "relevant_inhabitants": rel,
            }
        )
        f["per_relevant_inhabitant"] = f["spend"] / f["relevant_inhabitants"]
        f["per_inhabitant"] = f["spend"] / f["inhabitants"]
        valid = f["per_relevant_inhabitant"].notna() & (f["spend"] > 0)
        f["excluded"] = ~valid
        f["size_class"] = f["inhabitants"].map(size_class)
        v = f.loc[valid, "per_relevant_inhabitant"]
        f["percentile"] = np.nan
        f.loc[valid, "percentile"] = v.rank(pct=True) * 100
        f["national_median"] = float(v.median())
        f["size_class_median"] = f["size_class"].map(
            f[valid].groupby("size_class")["per_relevant_inhabitant"].median()
        )
        f["n_peers"] = int(valid.sum())
        frames.append(f.reset_index(names="gemeentecode"))
    return pd.concat(frames, ignore_index=True)


def benchmark(
    codes: list[str], year: int, report: str = "jaarrekening", iv3: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The benchmark rows of some municipalities plus their combined (regional) figure.

    The regional row's percentile places the region's spend per relevant inhabitant among the
    individual municipalities.
    """
    t = peer_table(year, report, iv3)
    mine = t[t["gemeentecode"].isin(codes)].copy()
    rows = [mine]
    for domain, g in mine.groupby("domain"):
        per = g["spend"].sum() / g["relevant_inhabitants"].sum()
        all_ = t[(t["domain"] == domain) & ~t["excluded"]]["per_relevant_inhabitant"]
        rows.append(
            pd.DataFrame(
                [
                    {
                        "gemeentecode": "regio",
                        "gemeente": "Regio",
                        "domain": domain,
                        "spend": g["spend"].sum(),
                        "inhabitants": g["inhabitants"].sum(),
                        "relevant_inhabitants": g["relevant_inhabitants"].sum(),
                        "per_relevant_inhabitant": per,
                        "per_inhabitant": g["spend"].sum() / g["inhabitants"].sum(),
                        "excluded": False,
                        "size_class": "-",
                        "percentile": float((all_ < per).mean() * 100),
                        "national_median": float(all_.median()),
                        "size_class_median": np.nan,
                        "n_peers": int(all_.size),
                    }
                ]
            )
        )
    return pd.concat(rows, ignore_index=True)
