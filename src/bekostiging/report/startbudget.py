"""Chapter 3 of the municipality report: the start budget in seven steps.

One table per step (segments, conversion of task fields, expected clients and the trend behind
them, spend per client, local policy, regional total and share, indexation/efficiency/chain
agreements), then the start budget per segment and year as a table and a figure.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from matplotlib import ticker

from bekostiging.data.rawdata import load_taakvelden
from bekostiging.model.startbudget import step2_conversion
from bekostiging.report.baseline import hidden_rows
from bekostiging.report.charts import (
    ReportFigure,
    bar_compare,
)
from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.labels import (
    DOMAIN_LABELS,
    FLAG_LABELS,
    TARGET_LABELS,
    VARIANT_SHORT,
    source_label,
    variant_label,
)
from bekostiging.report.suppression import region_protection, suppress_small
from bekostiging.report.tables import (
    START_BUDGET_ASSUMPTIONS,
    ReportTable,
    analysis_of,
    date_nl,
    estimate_note,
    factor,
    segment_names,
    table,
)


def first_year_budget(view) -> pd.DataFrame:
    """The municipality's start budget rows of the first full contract year."""
    sb = view.start_budget()
    return sb[sb["year"] == view.analysis.first_full_year]


def first_rows(view) -> pd.DataFrame:
    """The first full year's start budget per procured segment (index: segment id)."""
    a = view.analysis
    t = first_year_budget(view).set_index("segment")
    return t.reindex([s.id for s in a.region.procured_segments() if s.id in t.index])


def step1_table(obj) -> ReportTable:
    """Step 1: the procured segments, sub-segments, funding and contract start."""
    a = analysis_of(obj)
    s = a.start_budget.segments
    start = {
        seg.id: a.settings.contract_start or (seg.contract_start and seg.contract_start.isoformat())
        for seg in a.region.procured_segments()
    }
    out = pd.DataFrame(
        {
            "Segment": s["segment_name"].to_numpy(),
            "Domein": s["domain"].map(DOMAIN_LABELS).to_numpy(),
            "Subsegmenten": s["subsegments"].to_numpy(),
            "Bekostiging (besloten)": s["funding"].map(variant_label).to_numpy(),
            "Start contract": [date_nl(start[x]) for x in s["segment"]],
            "Doelgroep": s["target_population"].map(lambda g: TARGET_LABELS.get(g, g)).to_numpy(),
        }
    )
    cited = a.region.policy.cited
    return table(
        out,
        caption="Stap 1: de ingekochte segmenten, hun subsegmenten en de besloten bekostiging"
        + (f" ({cited})." if cited else " (regiobestand)."),
    )


def step2_table(obj) -> ReportTable:
    """Step 2: how the Iv3 task fields are converted to segments."""
    a = analysis_of(obj)
    conv = step2_conversion(a.region)
    titles = load_taakvelden().sort_values("year").groupby("taakveld")["title"].last()
    names = segment_names(a)
    out = pd.DataFrame(
        {
            "Jaren": conv["years"].astype(str).to_numpy(),
            "Taakveld": conv["taakveld"].astype(str).to_numpy(),
            "Omschrijving taakveld": conv["taakveld"].map(titles).fillna("").to_numpy(),
            "Segment": conv["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Aandeel": conv["share"].to_numpy(dtype=float),
            "Geldt voor": conv["gemeentecode"]
            .map(lambda c: a.region.name_of(c) if isinstance(c, str) and c else "alle gemeenten")
            .to_numpy(),
            "Bron": conv["source"].map(source_label).to_numpy(),
        }
    )
    return table(
        out,
        {"Aandeel": percent},
        caption="Stap 2: omzetting van Iv3-taakvelden naar segmenten (aandeel van het "
        "taakveld per segment; per taakveld samen 100%). Aandelen met bron 'schatting' zijn "
        "aannames van de regio (data/assumptions/conversion).",
    )


def trend_table(obj) -> ReportTable:
    """The historical trend per procured segment that step 3 uses (damped)."""
    a = analysis_of(obj)
    t = a.start_budget.trend
    procured = [s.id for s in a.region.procured_segments() if s.id in t.index]
    t = t.loc[procured]
    names = segment_names(a)
    choice = a.start_budget.damping
    damping = (
        choice.value if choice is not None else float(a.params.value("startbudget.trend_damping"))
    )
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in procured],
            "Historische reële groei per jaar": np.expm1(t["mu"].to_numpy(dtype=float)),
            "Gebruikte trend per jaar": t["trend_used"].to_numpy(dtype=float),
            "Spreiding per jaar (sd)": t["sigma"].to_numpy(dtype=float),
            "Regionaal deel van de spreiding": t["rho"].to_numpy(dtype=float),
            "Periode": [f"{int(a_)}-{int(b_)}" for a_, b_ in zip(t["first_year"], t["last_year"])],
        }
    )
    signed = partial(percent, decimals=1, signed=True)
    return table(
        out,
        {
            "Historische reële groei per jaar": signed,
            "Gebruikte trend per jaar": signed,
            "Spreiding per jaar (sd)": percent,
            "Regionaal deel van de spreiding": partial(percent, decimals=0),
        },
        caption="Historische trend (invoer voor stap 3): reële groei van de uitgaven per inwoner "
        f"van de doelgroep in de regio. Voor het startbudget telt {percent(damping, 0)} van die "
        f"groei mee na het laatste prognosejaar {damping_reason(a, choice)}",
    )


def damping_reason(a, choice) -> str:
    """Why the trend counts for this share: chosen by the evaluation, a scenario or assumed."""
    ref = a.settings.reference_year
    if choice is not None and choice.source == "evaluation":
        n = int(choice.scores["n"].max())
        return (
            f"(gekozen op de landelijke gegevens tot en met {ref}: van 0% tot 100% in stappen "
            f"van 5% voorspelde dit aandeel in {number(n)} eerdere voorspellingen (gemeente x "
            "jaar, één tot drie jaar vooruit) de groei het best, zonder naar latere jaren te "
            "kijken)."
        )
    if choice is not None and choice.source == "scenario":
        return "(ingesteld in het scenario)."
    return (
        "(aanname startbudget.trend_damping, schatting: tot en met "
        f"{ref} zijn te weinig eerdere jaren bekend om het aandeel te kiezen)."
    )


def step3_table(view) -> ReportTable:
    """Step 3: expected clients in the first full year: reference x demography x trend x policy."""
    a = view.analysis
    first, ref = a.first_full_year, a.settings.reference_year
    t = first_rows(view)
    names = segment_names(a)
    counts = pd.DataFrame(
        {
            "Segment": [names[s] for s in t.index],
            f"Cliënten {ref}": np.round(t["clients_ref"].to_numpy(dtype=float)),
            f"Verwacht {first}": np.round(t["clients"].to_numpy(dtype=float)),
        }
    )
    res = suppress_small(
        counts,
        [f"Cliënten {ref}", f"Verwacht {first}"],
        total_column=None,
        label_column="Segment",
        force_hidden=region_protection(view).mask(view.code, list(t.index), 2),
    )
    out = res.display.reset_index(drop=True)
    out.insert(2, "Demografie", [*t["demography_factor"].to_numpy(dtype=float), np.nan])
    out.insert(3, "Trend", [*t["trend_factor"].to_numpy(dtype=float), np.nan])
    out.insert(4, "Landelijke prognose", [*t["forecast_factor"].to_numpy(dtype=float), np.nan])
    out.insert(5, "Zorgbehoefte", [*t["caseload_factor"].to_numpy(dtype=float), np.nan])
    out.insert(6, "Lokaal beleid", [*t["policy_factor"].to_numpy(dtype=float), np.nan])
    last = ref + int(t["forecast_horizon"].max()) if len(t) else ref
    return table(
        out,
        {
            f"Cliënten {ref}": number,
            f"Verwacht {first}": number,
            "Demografie": factor,
            "Trend": factor,
            "Landelijke prognose": factor,
            "Zorgbehoefte": factor,
            "Lokaal beleid": factor,
        },
        caption=f"Stap 3: verwachte cliënten {view.name} in {first} = cliënten in het peiljaar "
        f"{ref} x factor demografie (groei van de doelgroep) x factor trend x factor landelijke "
        "prognose x factor zorgbehoefte x factor lokaal beleid (stap 5). De cliënten in het "
        "peiljaar zijn geschat uit het waargenomen gebruik (CBS Kerncijfers wijken en buurten "
        "2022: het aandeel jongeren met jeugdzorg en de Wmo-cliënten van de gemeente, over de "
        "segmenten verdeeld naar prevalentie), of het aantal dat de gemeente zelf opgaf. De "
        "factor zorgbehoefte laat het aantal in de gemiddelde verblijfsduur naar de behoefte "
        "bewegen: de prevalentie x het gebruik van de gemeente ten opzichte van de regio. De "
        "prevalenties zijn op het waargenomen gebruik in de regio geijkt, dus zonder scenario is "
        "de factor bijna 1; een eigen opgave van cliënten verandert de kosten per cliënt, niet "
        "het budget. De factor landelijke prognose zet het niveau "
        f"tot en met {last} op de verwachte groei van jeugd of Wmo van de gemeente volgens het "
        "landelijke model (geschat op alle gemeenten en achteraf getoetst, bijlage F; "
        "voor jaren vanaf 2025 de groei van het hele sociaal domein, omdat de nieuwe "
        "Iv3-indeling uitgaven tussen jeugd, Wmo en toegang verschuift), in plaats van "
        "demografie, trend en indexatie; daarna groeit het startbudget met demografie, trend en "
        f"indexatie verder. {res.note} {region_protection(view).note(names)} "
        + estimate_note(
            a,
            [
                "prevalence.*",
                "clients.duration_years",
                "startbudget.trend_damping",
                "startbudget.local_policy.*",
            ],
            "De aantallen",
        ),
    )


def step4_table(view) -> ReportTable:
    """Step 4: spend and clients in the reference year and spend per client."""
    a = view.analysis
    ref = a.settings.reference_year
    t = first_rows(view)
    names = segment_names(a)
    counts = pd.DataFrame(
        {
            "Segment": [names[s] for s in t.index],
            f"Cliënten {ref}": np.round(t["clients_ref"].to_numpy(dtype=float)),
        }
    )
    res = suppress_small(
        counts,
        [f"Cliënten {ref}"],
        total_column=None,
        label_column="Segment",
        force_hidden=region_protection(view).mask(view.code, list(t.index), 1),
    )
    hidden = hidden_rows(res)[f"Cliënten {ref}"].to_numpy()
    cpc = np.where(hidden, np.nan, t["cost_per_client_ref"].to_numpy(dtype=float))
    refs = {
        s: float(a.params.value(f"cost_per_client_reference.{s}"))
        for s in t.index
        if f"cost_per_client_reference.{s}" in a.params
    }
    ratio = [
        np.nan if h else c / refs[s] if s in refs else np.nan
        for s, c, h in zip(t.index, cpc, hidden)
    ]
    out = res.display.reset_index(drop=True)
    out.insert(
        1,
        f"Uitgaven {ref} (€)",
        [*t["spend_ref"].to_numpy(dtype=float), float(t["spend_ref"].sum())],
    )
    out[f"Kosten per cliënt {ref} (€)"] = [*cpc, np.nan]
    out["T.o.v. referentiekosten"] = [*ratio, np.nan]
    note = (
        " Bij verborgen aantallen is ook de uitgave per cliënt niet getoond, omdat het aantal "
        "daaruit volgt."
        if hidden.any()
        else ""
    )
    return table(
        out,
        {
            f"Uitgaven {ref} (€)": euro,
            f"Cliënten {ref}": number,
            f"Kosten per cliënt {ref} (€)": euro,
            "T.o.v. referentiekosten": percent,
        },
        caption=f"Stap 4: gerealiseerde uitgaven per cliënt {view.name} in het peiljaar {ref} "
        "(uitgaven / cliënten), en ten opzichte van de referentiekosten per cliënt "
        f"(aanname cost_per_client_reference.*). {res.note}{note} De kosten per cliënt zijn een "
        "schatting, omdat het aantal cliënten dat is. " + region_protection(view).note(names),
    )


def step5_table(view) -> ReportTable:
    """Step 5: the municipality's expected development from local policy."""
    a = view.analysis
    sb = view.start_budget()
    names = segment_names(a)
    last = int(sb["year"].max())
    first = a.first_full_year
    g = sb.set_index(["segment", "year"])
    segs = [s.id for s in a.region.procured_segments() if (s.id, first) in g.index]
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in segs],
            f"Factor {first}": [float(g.loc[(s, first), "policy_factor"]) for s in segs],
            f"Factor {last}": [float(g.loc[(s, last), "policy_factor"]) for s in segs]
            if all((s, last) in g.index for s in segs)
            else np.nan,
            "Reden": [str(g.loc[(s, first), "policy_reason"]) or "–" for s in segs],
            "Herkomst": [FLAG_LABELS.get(g.loc[(s, first), "policy_flag"], "") for s in segs],
        }
    )
    return table(
        out,
        {f"Factor {first}": factor, f"Factor {last}": factor},
        caption=f"Stap 5: verwachte ontwikkeling door lokaal beleid in {view.name} (factor op "
        "het aantal cliënten; 0,980 = 2% minder). Zonder opgave van de gemeente geldt de "
        "aanname startbudget.local_policy.* (schatting); een opgave in het vaste format "
        "vervangt die.",
    )


def step6_table(view) -> ReportTable:
    """Step 6: the regional total per segment and this municipality's share."""
    a = view.analysis
    first = a.first_full_year
    r = a.start_budget.regional
    r = r[(r["year"] == first) & (r["gemeentecode"] == view.code)].set_index("segment")
    segs = [s.id for s in a.region.procured_segments() if s.id in r.index]
    r = r.loc[segs]
    names = segment_names(a)
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in segs],
            f"Regio {first} (€)": r["regional_total"].to_numpy(dtype=float),
            f"{view.name} {first} (€)": r["budget"].to_numpy(dtype=float),
            f"Aandeel {view.name}": r["share"].to_numpy(dtype=float),
        }
    )
    total = {
        "Segment": "Totaal",
        f"Regio {first} (€)": float(r["regional_total"].sum()),
        f"{view.name} {first} (€)": float(r["budget"].sum()),
        f"Aandeel {view.name}": float(r["budget"].sum() / r["regional_total"].sum()),
    }
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return table(
        out,
        {
            f"Regio {first} (€)": euro,
            f"{view.name} {first} (€)": euro,
            f"Aandeel {view.name}": percent,
        },
        caption=f"Stap 6: regionaal totaal per segment in {first} en het aandeel van "
        f"{view.name}. Elke gemeente blijft verantwoordelijk voor de eigen inwoners; het "
        "regionale totaal is de som van de gemeenten. "
        + estimate_note(a, START_BUDGET_ASSUMPTIONS),
    )


def step7_table(view) -> ReportTable:
    """Step 7a-c: indexation, efficiency and chain agreements per segment."""
    a = view.analysis
    first = a.first_full_year
    sb = view.start_budget()
    last = int(sb["year"].max())
    g = sb.set_index(["segment", "year"])
    segs = [s.id for s in a.region.procured_segments() if (s.id, first) in g.index]
    names = segment_names(a)
    out = pd.DataFrame({"Segment": [names[s] for s in segs]})
    for col, label in (
        ("index_factor", "Index"),
        ("efficiency_factor", "Efficiency"),
        ("chain_factor", "Ketenafspraken"),
    ):
        for y in (first, last):
            out[f"{label} {y}"] = [float(g.loc[(s, y), col]) for s in segs]
    return table(
        out,
        {c: factor for c in out.columns if c != "Segment"},
        caption=f"Stap 7a-c: factoren op de kosten per cliënt, t.o.v. het peiljaar "
        f"{a.settings.reference_year}: indexatie (zorgprijsindex), efficiency vanaf het tweede "
        "contractjaar en ketenafspraken. Stap 7d, de benchmark, staat in bijlage A. "
        + estimate_note(
            a,
            ["index.care_cost", "startbudget.efficiency.*", "startbudget.chain_agreements.*"],
            "De factoren",
        ),
    )


def start_budget_frame(view) -> pd.DataFrame:
    """Start budget per segment (rows) and contract year (columns), numbers, with a total."""
    a = view.analysis
    sb = view.start_budget()
    names = segment_names(a)
    wide = sb.pivot_table(index="segment", columns="year", values="budget", aggfunc="sum")
    segs = [s.id for s in a.region.procured_segments() if s.id in wide.index]
    wide = wide.reindex(segs)
    funding = {s.id: s.funding["variant"] for s in a.region.procured_segments()}
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in segs],
            "Bekostiging": [VARIANT_SHORT.get(funding[s], funding[s]) for s in segs],
        }
    )
    for y in wide.columns:
        out[str(int(y))] = wide[y].to_numpy(dtype=float)
    total = {"Segment": "Totaal", "Bekostiging": ""} | {
        str(int(y)): float(wide[y].sum()) for y in wide.columns
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def start_budget_table(view) -> ReportTable:
    """The start budget per segment and year (the key table of the report)."""
    a = view.analysis
    out = start_budget_frame(view)
    years = [c for c in out.columns if c.isdigit()]
    sb = view.start_budget()
    part = sorted(int(y) for y in sb.loc[sb["year_fraction"] < 1, "year"].unique())
    part_note = (
        f" {', '.join(map(str, part))}: deel van het jaar binnen het contract." if part else ""
    )
    return table(
        out,
        {y: euro for y in years},
        caption=f"Startbudget {view.name} per segment en jaar (€, lopende prijzen).{part_note} "
        + estimate_note(a, START_BUDGET_ASSUMPTIONS),
    )


def start_budget_figure(view) -> ReportFigure:
    """Bars of the start budget per segment in the first full contract year."""
    a = view.analysis
    first = a.first_full_year
    out = start_budget_frame(view)
    out = out[out["Segment"] != "Totaal"]
    short = segment_names(a, short=True)
    segs = [s.id for s in a.region.procured_segments()]
    full = segment_names(a)
    label = {full[s]: short[s] for s in segs}
    df = pd.DataFrame({"Segment": out["Segment"].map(label), "Startbudget": out[str(first)]})
    fig = bar_compare(
        df,
        "Segment",
        "Startbudget",
        horizontal=True,
        annotate=True,
        title=f"Startbudget {view.name} {first} per segment (schatting)",
        ylabel="Startbudget (€)",
    )
    ax = fig.axes[0]
    ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
    ax.margins(x=0.12)
    return fig
