"""Command line: ``python -m bekostiging <opdracht>`` (help texts in Dutch for policy advisors).

Every command turns bad input into a readable message (file, row, column) and exit code 2,
never a traceback; output files are written atomically.

>>> main(["regions"])
achterhoek  Achterhoek (8 gemeenten)
alkmaar     Alkmaar (6 gemeenten, 2 opgegaan in een fusie)
0
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pandas as pd
import yaml
from openpyxl.utils.exceptions import InvalidFileException

from bekostiging.batch.notebooks import COMMITTED, check, refresh
from bekostiging.batch.reports import (
    BATCH_CONFIG,
    load_batch_config,
    run_all_regions,
    run_reports,
    settings_for_batch,
)
from bekostiging.bench.run import format_result, run_all
from bekostiging.config.region import available_regions, load_region
from bekostiging.core import atomic
from bekostiging.core.errors import InputError, display_path
from bekostiging.core.paths import NOTEBOOKS_DIR, REPORTS_DIR, submissions_dir
from bekostiging.core.yamlio import syntax_message
from bekostiging.data import rawdata
from bekostiging.data.cbsrefresh import refresh_population
from bekostiging.data.newregion import generate, write_region, years_text
from bekostiging.data.panel import build_panel
from bekostiging.data.quality import check_before_run, data_quality
from bekostiging.data.submission import load_submissions, read_submission, write_template
from bekostiging.model.backtest import run_backtest
from bekostiging.model.baseline import build_baseline, reconcile, with_missing_years
from bekostiging.model.conversion import load_conversion
from bekostiging.model.evaluation import evaluate, evaluation_table
from bekostiging.model.forecast import FORECASTERS
from bekostiging.model.peers import benchmark
from bekostiging.model.startbudget import start_budget
from bekostiging.report.evaluation import (
    FORECASTER_LABELS,
    SHORT_LABELS,
    calibration_figure,
    dutch_summary,
)
from bekostiging.report.formatting import euro, percent
from bekostiging.report.labels import dutch_columns
from bekostiging.report.quality import findings_lines, verdict
from bekostiging.report.suppression import mask_small_counts
from bekostiging.report.text.backtest import backtest_with_names

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2

DESCRIPTION = """\
Bekostiging jeugdhulp en Wmo: analyse van bekostigingsvarianten voor regionale inkoop.

Veelgebruikte opdrachten:
  python -m bekostiging reports --region achterhoek     alle rapporten voor de regio
  python -m bekostiging baseline --region achterhoek    basistabellen (uitgaven, cliënten per segment)
  python -m bekostiging startbudget --peiljaar 2024     startbudget per gemeente en segment
  python -m bekostiging backtest --peiljaar 2021        projectie naast wat er werkelijk gebeurde
  python -m bekostiging template --gemeente GM0197      invulformat (Excel) voor één gemeente
  python -m bekostiging check-submission bestand.xlsx   een ingevuld format controleren
  python -m bekostiging check-data                      controleer alle data en aannames
  python -m bekostiging new-region --jeugdzorgregio JZ14 --id twente   een nieuwe regio

Uitvoer komt in reports/<regio>/. Aannames staan in data/assumptions/ (zie README.md).
"""

Handler = Callable[[argparse.Namespace], int]
Arguments = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Command:
    """One subcommand: its Dutch help, the arguments it takes and the function that runs it."""

    name: str
    run: Handler
    help: str
    description: str | None = None
    arguments: tuple[Arguments, ...] = ()


_COMMANDS: dict[str, Command] = {}


def command(
    name: str, help: str, *arguments: Arguments, description: str | None = None
) -> Callable[[Handler], Handler]:
    """Register ``fn`` as subcommand ``name``; ``arguments`` add its options to its parser."""

    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = Command(name, fn, help, description, arguments)
        return fn

    return register


def _region_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--region",
        "--regio",
        default="achterhoek",
        help="regio-id, zie 'python -m bekostiging regions' (standaard: achterhoek)",
    )


def _scenario_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenario",
        default=None,
        help="YAML-bestand met gewijzigde aannames (zie data/assumptions/scenarios)",
    )


def _out_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="uitvoermap (standaard: reports/<regio>)")


def _reference_year_arg(default: int) -> Arguments:
    def add(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--peiljaar",
            dest="reference_year",
            metavar="JAAR",
            type=int,
            default=default,
            help=f"referentiejaar (standaard {default})",
        )

    return add


def _check_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", "--regio", default=None, help="alleen deze regio (standaard: alle)")


def _baseline_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-submissions",
        action="store_true",
        help="negeer ingevulde formats in data/submissions/<regio>",
    )


def _reports_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--only",
        nargs="+",
        metavar="GMxxxx",
        help="alleen deze gemeente(n), zonder regionaal overzicht",
    )
    p.add_argument("--reference-year", "--peiljaar", type=int, default=None, help="peiljaar")
    p.add_argument("--contract-start", default=None, help="ingangsdatum, bijv. 2027-01-01")
    p.add_argument("--scenario", default=None, help="YAML-bestand met gewijzigde aannames")
    p.add_argument("--draws", type=int, default=None, help="aantal trekkingen Monte Carlo")
    p.add_argument("--seed", type=int, default=None, help="startwaarde toevalsgenerator")
    p.add_argument(
        "--workers", type=int, default=None, help="aantal processen (standaard: aantal kernen)"
    )
    p.add_argument(
        "--out", default=None, help="uitvoermap (standaard: reports/<regio>/peiljaar-<jaar>)"
    )
    p.add_argument(
        "--config", default=None, help="batchconfiguratie (standaard notebooks/batch.yaml)"
    )
    p.add_argument(
        "--all-regions",
        "--alle-regios",
        action="store_true",
        help="alle 42 jeugdzorgregio's (ontbrekende regiobestanden worden gemaakt), met een "
        "overzicht van alle regio's in <uitvoermap>/index.html",
    )
    p.add_argument(
        "--regions",
        "--regios",
        default=None,
        metavar="JZ14,JZ25",
        help="met --all-regions: alleen deze jeugdzorgregio's (codes, met komma's)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADRES",
        help="met --all-regions: voer uit op een Dask-cluster (bijv. tcp://10.0.0.5:8786); "
        "standaard: de processen van deze computer",
    )


def _refresh_population_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--first", type=int, default=2019, help="eerste jaar (standaard 2019)")
    p.add_argument("--last", type=int, default=2026, help="laatste jaar (standaard 2026)")
    p.add_argument("--out", default=None, help="uitvoerbestand (standaard data/interim/...)")


def _startbudget_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--contract-start",
        default=None,
        help="ingangsdatum, bijv. 2026-01-01 (standaard: uit het regiobestand)",
    )
    p.add_argument(
        "--years", type=int, default=None, help="contractduur in jaren (standaard 3+2+2)"
    )


def _backtest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--draws", type=int, default=2000, help="aantal trekkingen (standaard 2000)")
    p.add_argument("--seed", type=int, default=20210101, help="startwaarde toevalsgenerator")


def _peers_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", "--jaar", type=int, default=2024, help="jaar (standaard 2024)")


def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--only",
        nargs="*",
        choices=["projection", "behaviour", "batch", "national"],
        help="alleen deze metingen",
    )


def _template_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gemeente", required=True, help="gemeentecode, bijvoorbeeld GM0197")
    p.add_argument("--out", default=None, help="bestandsnaam (standaard: reports/<regio>/formats/)")


def _file_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="het ingevulde Excel-bestand")


def _out_dir(args: argparse.Namespace, *parts: str) -> Path:

    base = Path(args.out) if getattr(args, "out", None) else REPORTS_DIR / args.region
    return base.joinpath(*parts)


@command("regions", "toon de beschikbare regio's")
def cmd_regions(args: argparse.Namespace) -> int:

    for rid in available_regions():
        r = load_region(rid)
        merged = len(r.municipalities) - len(r.current_codes())
        extra = f", {merged} opgegaan in een fusie" if merged else ""
        print(f"{rid:<11} {r.name} ({len(r.current_codes())} gemeenten{extra})")
    return EXIT_OK


@command("check-data", "controleer ruwe data (checksums, schema's) en aannames", _check_data_args)
def cmd_check_data(args: argparse.Namespace) -> int:

    table = rawdata.verify_raw_data()
    print(f"Ruwe data: {len(table)} bestanden, checksums kloppen.")
    rawdata.load_population()
    rawdata.load_agebands()
    iv3 = rawdata.load_iv3()
    rawdata.load_wmo_clients()
    rawdata.load_youth_national()
    rawdata.load_boundaries()
    print(f"Tabellen gevalideerd (Iv3: {len(iv3):,} rijen).".replace(",", "."))
    regions = [args.region] if args.region else available_regions()
    population = rawdata.load_population()
    findings = []
    for rid in regions:
        r = load_region(rid)
        params = r.parameters
        load_conversion(r)
        n_est = int(params.table()["estimate"].sum())
        print(
            f"{r.name}: {len(r.current_codes())} gemeenten, {len(r.segments)} segmenten, "
            f"{len(params)} aannames (waarvan {n_est} schatting)."
        )
        found = data_quality(r, iv3=iv3, population=population, params=params)
        for line in findings_lines(found):
            print(f"  {line}")
        findings += found
    print(verdict(findings))
    return EXIT_INPUT if any(f.blocking for f in findings) else EXIT_OK


def _quality_gate(region) -> None:
    """The data-quality step before a run: stops on a changed raw file (checksums) or on
    blocking findings, mentions the warnings. Every command that computes figures calls it."""
    rawdata.verify_raw_data()
    warnings = check_before_run(region)
    if warnings:
        print(f"Datakwaliteit {region.name}: {verdict(warnings)} Zie 'check-data'.")


def write_baseline_tables(
    region_id: str, out_dir: Path, scenario: str | None = None, with_submissions: bool = True
) -> list[Path]:
    """Write the baseline (actuals and budgets), reconciliation and provenance tables."""

    region = load_region(region_id)
    _quality_gate(region)
    params = region.with_parameters(scenario)
    realised = None
    if with_submissions:
        realised, _expectations, files = load_submissions(region)
        if files:
            print(f"Opgaven van gemeenten gebruikt: {', '.join(f.name for f in files)}")
    actual = build_baseline(region, params=params, submissions=realised)
    budget = build_baseline(region, report=region.budget_report, params=params)
    rec = reconcile(actual, region)
    # A year a municipality filed no Iv3 return is shown as missing (NaN, flag 'missing'), not 0.
    actual, budget = with_missing_years(actual, region), with_missing_years(budget, region)
    # Published tables never show client counts below 10 for a municipality (as CBS does).
    actual, budget = mask_small_counts(actual), mask_small_counts(budget)
    written = [
        atomic.write_csv(out_dir / f"baseline_{region.id}_jaarrekening.csv", actual),
        atomic.write_csv(out_dir / f"baseline_{region.id}_begroting.csv", budget),
        atomic.write_csv(out_dir / f"reconciliatie_{region.id}.csv", rec),
    ]
    written.append(
        atomic.write_excel(
            out_dir / f"baseline_{region.id}.xlsx",
            {
                "Realisatie": dutch_columns(actual),
                "Begroting": dutch_columns(budget),
                "Aansluiting Iv3": dutch_columns(rec),
                "Aannames": dutch_columns(params.table()),
            },
            index=False,
        )
    )
    return written


@command(
    "baseline",
    "schrijf de basistabellen per gemeente x segment x jaar",
    _region_arg,
    _scenario_arg,
    _out_arg,
    _baseline_args,
    description="schrijf de basistabellen per gemeente x segment x jaar",
)
def cmd_baseline(args: argparse.Namespace) -> int:
    out = _out_dir(args, "baseline")
    for path in write_baseline_tables(args.region, out, args.scenario, not args.no_submissions):
        print(f"geschreven: {path}")
    return EXIT_OK


@command(
    "template",
    "schrijf het invulformat (Excel) voor één gemeente",
    _region_arg,
    _template_args,
    description="Schrijf het vaste invulformat (stap 5 van de startbudgetmethode) "
    "voor één gemeente, vooraf ingevuld met publieke cijfers en schattingen.",
)
def cmd_template(args: argparse.Namespace) -> int:

    region = load_region(args.region)
    m = region.municipality(args.gemeente)
    # Not in data/submissions: an empty template there would count as a second submission.
    out = (
        Path(args.out)
        if args.out
        else REPORTS_DIR / region.id / "formats" / f"{m.code}_format.xlsx"
    )
    write_template(region, m.code, out, build_baseline(region))
    print(f"Invulformat voor {m.name} ({m.code}) geschreven: {out}")
    print(f"Vul het in en zet het als {m.code}.xlsx in {submissions_dir(region.id)}.")
    return EXIT_OK


@command("check-submission", "controleer een ingevuld invulformat", _region_arg, _file_arg)
def cmd_check_submission(args: argparse.Namespace) -> int:

    region = load_region(args.region)
    sub = read_submission(args.file, region)
    if not sub.realised.empty:
        # the same plausibility checks the baseline applies when it uses the figures (an
        # amount in euros instead of thousands, a count a thousand times too large), so a
        # workbook that "check-submission" approves is never refused later by "reports"
        build_baseline(region, params=region.with_parameters(), submissions=sub.realised)
    print(
        f"{args.file}: in orde. {len(sub.realised)} eigen cijfers, "
        f"{len(sub.expectations)} verwachte ontwikkelingen voor {region.name_of(sub.gemeentecode)}."
    )
    if sub.capacity is not None:
        print(
            f"Weerstandscapaciteit sociaal domein: {euro(sub.capacity.available)} "
            f"({sub.capacity.source}; jaar {sub.capacity.year})."
        )
    return EXIT_OK


@command(
    "startbudget",
    "startbudget per gemeente x segment (stap 1-7)",
    _region_arg,
    _reference_year_arg(2024),
    _startbudget_args,
    _scenario_arg,
    _out_arg,
)
def cmd_startbudget(args: argparse.Namespace) -> int:

    region = load_region(args.region)
    rawdata.verify_checksums()  # an edited raw file stops the run, as in check-data and reports
    _quality_gate(region)
    params = region.with_parameters(args.scenario)
    realised, expectations, _ = load_submissions(region)
    base = build_baseline(region, params=params, submissions=realised)
    sb = start_budget(
        region, base, args.reference_year, args.contract_start, args.years, params, expectations
    )
    out = _out_dir(args, "startbudget")
    stem = f"startbudget_{region.id}_{args.reference_year}"
    atomic.write_csv(out / f"{stem}.csv", sb.table)
    wide = sb.per_segment()
    atomic.write_excel(
        out / f"{stem}.xlsx",
        {
            "Per segment": wide.reset_index(),
            "Per gemeente": dutch_columns(sb.table),
            "Stap 6 regionaal": dutch_columns(sb.regional),
            "Trend (historie)": sb.trend.reset_index(names="segment"),
        },
        index=False,
    )
    total = sb.table.groupby("year")["budget"].sum()
    print(f"Startbudget {region.name}, peiljaar {args.reference_year} (alle bedragen: schatting):")
    for year, amount in total.items():
        print(f"  {year}: {euro(amount)}")
    print(f"geschreven: {out / (stem + '.xlsx')}")
    return EXIT_OK


def _new_region_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--jeugdzorgregio",
        metavar="CODE_OF_NAAM",
        help="jeugdzorgregio als code (JZ14) of naam (Twente), hoofdletters maken niet uit",
    )
    which.add_argument(
        "--gemeenten", metavar="GMxxxx,...", help="gemeentecodes, gescheiden door komma's"
    )
    p.add_argument(
        "--id",
        default=None,
        help="regio-id, bijv. twente (wordt de bestandsnaam; standaard: uit de naam van de regio)",
    )
    p.add_argument("--naam", default=None, help="naam van de regio (standaard: uit de data)")
    p.add_argument(
        "--peiljaar",
        dest="reference_year",
        type=int,
        default=2024,
        help="peiljaar; het contract begint als plaatshouder op 1 januari daarna (standaard 2024)",
    )
    p.add_argument("--force", action="store_true", help="overschrijf een bestaande regio")


@command(
    "new-region",
    "maak een nieuwe regio uit de landelijke data (jeugdzorgregio of gemeentecodes)",
    _new_region_args,
    description=(
        "Schrijft regions/<id>.yaml, parameters/<id>.yaml en conversion/<id>.csv in "
        "data/assumptions. Waarden die de regio zelf moet invullen zijn gemarkeerd met "
        "'IN TE VULLEN'; landelijke standaardwaarden en schattingen met 'estimate'."
    ),
)
def cmd_new_region(args: argparse.Namespace) -> int:

    codes = args.gemeenten.split(",") if args.gemeenten is not None else None
    nr = generate(
        args.id,
        jeugdzorgregio=args.jeugdzorgregio,
        codes=codes,
        name=args.naam,
        reference_year=args.reference_year,
    )
    written = write_region(nr, force=args.force)
    current = [m for m in nr.municipalities if m.merged_into is None]
    print(f"Nieuwe regio '{nr.id}': {nr.name}, {len(current)} gemeenten.")
    print("Geschreven:")
    for path in written:
        print(f"  {path}")
    print(f"Nog in te vullen: {nr.to_fill} waarden gemarkeerd met 'IN TE VULLEN'.")
    print("Bevindingen:")
    for m in nr.municipalities:
        if m.merged_into is not None:
            print(f"  fusie: {m.code} {m.name} is in {m.until + 1} opgegaan in {m.merged_into}")
    if nr.missing.empty:
        print("  geen ontbrekende Iv3-jaren")
    for (code, report), grp in nr.missing.groupby(["gemeentecode", "report"]):
        years = years_text(grp["year"].tolist())
        print(f"  ontbrekend in Iv3: {code} {nr.names.get(code, code)}, {report} {years}")
    for c in nr.corrections:
        print(
            f"  boekingscorrectie voorgesteld: {c.code} {nr.names.get(c.code, c.code)} "
            f"{years_text(range(c.years[0], c.years[1] + 1))}, Wmo geboekt op 6.6 ({euro(c.per_inh_66)} per inwoner, "
            f"landelijke grens {euro(c.national_limit_66)}) in plaats van 6.71"
        )
    for r in nr.candidates.head(3).itertuples():
        if r.spend <= 0:
            continue
        mark = " (gebruikt als centrumgemeente)" if r.gemeentecode in nr.pooled_by else ""
        print(
            f"  kandidaat centrumgemeente: {r.gemeentecode} {nr.names.get(r.gemeentecode, '')}, "
            f"taakveld 6.81 {euro(r.spend)} in 2023-2024{mark}"
        )
    if not nr.pooled_by:
        print("  geen centrumgemeente aangenomen (geen gemeente boekt duidelijk meer op 6.81)")
    if nr.youth_split is not None:
        print(
            f"  jeugdsplitsing 2023-2024: 6.73 {percent(nr.youth_split[0])}, "
            f"6.74 {percent(nr.youth_split[1])}"
        )
    print(f"Volgende stap: python -m bekostiging reports --region {nr.id}")
    return EXIT_OK


@command(
    "backtest",
    "projectie vanaf een eerder peiljaar naast de werkelijkheid",
    _region_arg,
    _reference_year_arg(2021),
    _backtest_args,
    _scenario_arg,
    _out_arg,
)
def cmd_backtest(args: argparse.Namespace) -> int:

    region = load_region(args.region)
    bt = run_backtest(
        region,
        args.reference_year,
        draws=args.draws,
        seed=args.seed,
        params=region.with_parameters(args.scenario),
    )
    out = _out_dir(args, "backtest")
    table = backtest_with_names(bt.table, region)
    path = atomic.write_csv(out / f"backtest_{region.id}_{args.reference_year}.csv", table)
    print(f"Backtest {region.name} vanaf peiljaar {args.reference_year}:")
    for domain, r in bt.summary().iterrows():
        print(
            f"  {domain}: gemiddelde afwijking P50 {percent(r['mae_p50'])}, eigen begrotingen "
            f"{percent(r['mae_budget'])}; werkelijk binnen P10-P90: "
            f"{percent(r['coverage_p10_p90'], 0)}"
        )
    print(f"geschreven: {path}")
    return EXIT_OK


@command(
    "peers",
    "uitgaven per relevante inwoner naast alle gemeenten (stap 7d)",
    _region_arg,
    _peers_args,
    _out_arg,
)
def cmd_peers(args: argparse.Namespace) -> int:

    region = load_region(args.region)
    b = benchmark(region.codes_in(args.year), args.year)
    path = atomic.write_csv(_out_dir(args, "benchmark") / f"peers_{region.id}_{args.year}.csv", b)
    for r in b[b["gemeentecode"] == "regio"].itertuples():
        print(
            f"  {r.domain}: {euro(r.per_relevant_inhabitant)} per relevante inwoner, "
            f"percentiel {r.percentile:.0f} van {r.n_peers} gemeenten "
            f"(mediaan NL {euro(r.national_median)})"
        )
    print(f"geschreven: {path}")
    return EXIT_OK


@command("bench", "prestatiemeting met verhouding tot een naïeve uitvoering", _bench_args)
def cmd_bench(args: argparse.Namespace) -> int:

    include = ("projection", "behaviour", "batch", "national")
    for result in run_all(tuple(args.only) if args.only else include):
        print(format_result(result))
    return EXIT_OK


def _evaluate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--origins",
        nargs="+",
        type=int,
        default=list(range(2019, 2024)),
        metavar="JAAR",
        help="peiljaren om vanaf te voorspellen (standaard 2019-2023)",
    )
    p.add_argument(
        "--horizons",
        nargs="+",
        type=int,
        default=[1, 2, 3],
        metavar="N",
        help="jaren vooruit (standaard 1 2 3)",
    )
    p.add_argument("--out", default=None, help="uitvoermap (standaard: reports/evaluatie)")


@command(
    "evaluate",
    "voorspellingen buiten de steekproef naast vier eenvoudige maatstaven (alle gemeenten)",
    _evaluate_args,
    description="Rolt de peiljaren door: voorspelt vanaf elk peiljaar met alleen wat toen "
    "bekend was, voor alle gemeenten en jeugdzorgregio's, en scoort het model naast laatste "
    "realisatie, eigen trend, begroting en begroting x eigen verhouding. Schrijft een tabel "
    "(CSV) en een kalibratiegrafiek (PNG).",
)
def cmd_evaluate(args: argparse.Namespace) -> int:
    panel = build_panel()
    scores, forecasts = evaluate(
        panel, origins=args.origins, horizons=tuple(args.horizons), forecasters=FORECASTERS
    )
    summary, csv = evaluation_table(scores)
    out = Path(args.out) if args.out else REPORTS_DIR / "evaluatie"
    first, last = min(args.origins), max(args.origins)
    stem = f"evaluatie_{first}-{last}"
    written = [
        atomic.write_csv(out / f"{stem}.csv", csv),
        atomic.write_csv(out / f"{stem}_voorspellingen.csv", forecasts),
    ]
    fig = calibration_figure(forecasts)
    with atomic.atomic_path(out / f"{stem}_kalibratie.png") as tmp:
        fig.savefig(tmp, format="png")
    written.append(out / f"{stem}_kalibratie.png")
    print(f"Buiten de steekproef, peiljaren {first}-{last}, alle gemeenten (percentages).")
    for metric, title in (
        ("mape", "Gemiddelde afwijking van de P50"),
        ("coverage", "Werkelijk binnen P10-P90 (doel 70-90)"),
    ):
        print(f"\n{title}:\n{dutch_summary(summary, metric).to_string()}")
    print("\n" + "\n".join(f"  {SHORT_LABELS[k]:<13} {v}" for k, v in FORECASTER_LABELS.items()))
    for path in written:
        print(f"geschreven: {path}")
    return EXIT_OK


@command(
    "reports",
    "maak alle rapporten voor een regio (notebooks, parallel)",
    _region_arg,
    _reports_args,
    description="Voert het gemeentenotebook uit voor elke gemeente van de regio (parallel) en "
    "daarna het regionale overzicht; schrijft HTML (offline, zonder code), Excel, een "
    "resultatenbestand per gemeente en index.html. Standaardwaarden: notebooks/batch.yaml.",
)
def cmd_reports(args: argparse.Namespace) -> int:

    config = load_batch_config(Path(args.config) if args.config else BATCH_CONFIG)
    if args.all_regions or args.regions or args.scheduler:
        return _all_regions(args, config)
    settings = settings_for_batch(
        args.region,
        config,
        reference_year=args.reference_year,
        contract_start=args.contract_start,
        scenario=args.scenario,
        draws=args.draws,
        seed=args.seed,
    )
    if not (NOTEBOOKS_DIR / "gemeente.ipynb").is_file():
        print("De notebooks ontbreken (notebooks/gemeente.ipynb).", file=sys.stderr)
        return EXIT_FAILED
    _quality_gate(load_region(args.region))
    code, results, index = run_reports(
        settings,
        codes=args.only,
        out=Path(args.out) if args.out else None,
        workers=args.workers,
        overrides=config["overrides"],
    )
    failed = [r.name for r in results if not r.ok]
    print(f"{len(results) - len(failed)} van {len(results)} rapporten gereed; overzicht: {index}")
    if failed:
        print(
            "Mislukt: " + ", ".join(failed) + " (zie index.html en de map notebooks/)",
            file=sys.stderr,
        )
    return code


def _all_regions(args: argparse.Namespace, config: dict) -> int:
    """``reports --all-regions``: every jeugdzorgregio, then the index of indexes."""
    if not (args.all_regions or args.regions):
        print("--scheduler werkt alleen samen met --all-regions.", file=sys.stderr)
        return EXIT_INPUT
    if args.only:
        print("--only werkt per regio, niet samen met --all-regions.", file=sys.stderr)
        return EXIT_INPUT
    codes = [c.strip() for c in args.regions.split(",") if c.strip()] if args.regions else None
    try:
        code, runs, index = run_all_regions(
            codes,
            out=Path(args.out) if args.out else None,
            config=config,
            scheduler=args.scheduler,
            workers=args.workers,
            reference_year=args.reference_year,
            contract_start=args.contract_start,
            scenario=args.scenario,
            draws=args.draws,
            seed=args.seed,
        )
    except OSError as err:  # the scheduler cannot be reached
        if args.scheduler is None:
            raise
        print(f"Geen verbinding met de Dask-scheduler {args.scheduler}: {err}", file=sys.stderr)
        return EXIT_FAILED
    failed = [f"{r.name} ({r.code})" for r in runs if not r.ok]
    n = sum(len(r.results) for r in runs)
    ok = sum(r.n_ok for r in runs)
    print(f"{len(runs)} regio's, {ok} van {n} rapporten gereed; overzicht: {index}")
    if failed:
        print("Niet alles gelukt in: " + ", ".join(failed) + " (zie index.html)", file=sys.stderr)
    return code


@command(
    "refresh-population",
    "haal bevolkingscijfers opnieuw op bij CBS (optioneel; vraagt internet)",
    _refresh_population_args,
    description="Haalt de bevolking per gemeente (CBS 03759ned) op en schrijft die naar "
    "data/interim/, met de verschillen ten opzichte van data/raw. Zonder internet volgt een "
    "duidelijke melding; het project werkt altijd met de meegeleverde data.",
)
def cmd_refresh_population(args: argparse.Namespace) -> int:

    years = range(args.first, args.last + 1)
    path = refresh_population(years, Path(args.out) if args.out else None, report=print)
    print(f"geschreven: {path} (data/raw blijft ongewijzigd)")
    return EXIT_OK


@command("refresh-notebooks", "voer de notebooks opnieuw uit en sla de uitkomsten op")
def cmd_refresh_notebooks(args: argparse.Namespace) -> int:

    for path in refresh():
        print(f"opnieuw uitgevoerd en opgeslagen: {path}")
    return EXIT_OK


@command("check-notebooks", "controleer dat de notebooks uitkomsten en geen fouten bevatten")
def cmd_check_notebooks(args: argparse.Namespace) -> int:

    problems = [p for name in COMMITTED for p in check(NOTEBOOKS_DIR / name)]
    for p in problems:
        print(p, file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The parser: one subparser per registered :class:`Command`, in registration order."""
    parser = argparse.ArgumentParser(
        prog="python -m bekostiging",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="<opdracht>")
    for cmd in _COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description)
        for add_arguments in cmd.arguments:
            add_arguments(p)
    return parser


def _is_file(value: str | Path) -> bool:
    """Whether ``value`` names an existing file; False for anything that is not a path.

    >>> _is_file(__file__), _is_file("x" * 5000), _is_file("a\\0b")
    (True, False, False)
    """
    try:
        return Path(value).is_file()
    except (OSError, ValueError):
        return False


def _input_path(tb: TracebackType | None) -> str | None:
    """The input file a low-level reader was reading when it failed, if a frame names it.

    pandas' ``read_csv`` keeps the file in ``filepath_or_buffer``; our own readers and
    ``Path.read_text`` in ``path`` or ``self``. The innermost frame that names an existing
    file wins.

    >>> _input_path(None) is None
    True
    """
    found = None
    while tb is not None:
        local = tb.tb_frame.f_locals
        for name in ("filepath_or_buffer", "path", "filename", "self"):
            value = local.get(name)
            if isinstance(value, (str, Path)) and _is_file(value):
                found = display_path(value)
                break
        tb = tb.tb_next
    return found


def _where(path: str | None) -> str:
    """``"<path>: "`` when the file is known, else nothing.

    >>> _where("data/raw/x.csv"), _where(None)
    ('data/raw/x.csv: ', '')
    """
    return f"{path}: " if path else ""


def _yaml_message(err: yaml.YAMLError) -> str:
    """A YAML syntax error in Dutch, with file, line and column when the parser gives them.

    >>> try:
    ...     yaml.safe_load("a: [1, 2")
    ... except yaml.YAMLError as err:
    ...     print(_yaml_message(err))
    <unicode string>, regel 1, kolom 9: het YAML-bestand is niet te lezen \
(een lijst tussen [ ] is niet gesloten; verwacht: geldige YAML, let op inspringen, dubbele punten en haakjes)
    """
    mark = getattr(err, "problem_mark", None)
    what = syntax_message(getattr(err, "problem", None))
    where = ""
    if mark is not None:
        where = f"{display_path(mark.name)}, regel {mark.line + 1}, kolom {mark.column + 1}: "
    return (
        f"{where}het YAML-bestand is niet te lezen ({what}; verwacht: geldige YAML, let op "
        "inspringen, dubbele punten en haakjes)"
    )


def input_error_message(err: BaseException) -> str | None:
    """The Dutch message for an exception caused by bad input, or None for a bug.

    Bad input is what a user can fix: an :class:`InputError`, a missing or unreadable file,
    a file that is not valid YAML, CSV, UTF-8 text or Excel.

    >>> input_error_message(FileNotFoundError(2, "No such file", "invoer/x.csv"))
    'invoer/x.csv: bestand niet gevonden (verwacht: een bestaand bestand; controleer het pad)'
    >>> print(input_error_message(PermissionError(13, "Permission denied", "invoer/x.csv")))
    invoer/x.csv: geen toegang (verwacht: leesbaar als invoer, schrijfbaar als uitvoer; \
controleer de rechten)
    >>> print(input_error_message(UnicodeDecodeError("utf-8", b"\\xff", 0, 1, "invalid")))
    het bestand is geen tekst in UTF-8 (gevonden: byte 0xff op positie 0; verwacht: UTF-8, \
in Excel: 'CSV UTF-8 (door komma's gescheiden)')
    >>> input_error_message(KeyError("x")) is None
    True
    """
    where = _where(_input_path(err.__traceback__))
    if isinstance(err, InputError):
        return str(err)
    if isinstance(err, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        what = "bestand niet gevonden" if isinstance(err, FileNotFoundError) else "geen bestand"
        name = display_path(err.filename) if err.filename else where.rstrip(": ")
        return f"{name}: {what} (verwacht: een bestaand bestand; controleer het pad)"
    if isinstance(err, PermissionError):
        name = display_path(err.filename) if err.filename else where.rstrip(": ")
        return (
            f"{name}: geen toegang (verwacht: leesbaar als invoer, schrijfbaar als uitvoer; "
            "controleer de rechten)"
        )
    if isinstance(err, yaml.YAMLError):
        return _yaml_message(err)
    if isinstance(err, pd.errors.EmptyDataError):
        return f"{where}het bestand is leeg (verwacht: een kopregel en gegevens)"
    if isinstance(err, pd.errors.ParserError):
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        detail = (
            f"regel {found[2]} heeft {found[3]} velden, de kopregel {found[1]}; "
            if found
            else ""
        )
        return (
            f"{where}het CSV-bestand is niet te lezen ({detail}verwacht: op elke regel even "
            "veel velden, gescheiden door komma's; een verdwaalde komma of aanhalingsteken?)"
        )
    if isinstance(err, UnicodeDecodeError):
        byte = err.object[err.start : err.start + 1].hex()
        return (
            f"{where}het bestand is geen tekst in UTF-8 (gevonden: byte 0x{byte} op positie "
            f"{err.start}; verwacht: UTF-8, in Excel: 'CSV UTF-8 (door komma's gescheiden)')"
        )
    if isinstance(err, (zipfile.BadZipFile, InvalidFileException)):
        return (
            f"{where}geen geldig Excel-bestand (.xlsx) (het bestand is beschadigd of in een ander "
            "formaat opgeslagen; verwacht: een werkmap uit Excel, opgeslagen als .xlsx)"
        )
    return None


def error_log_dir() -> Path:
    """Where the full traceback of an internal error is written (the temp dir).

    >>> error_log_dir().name
    'bekostiging'
    """
    return Path(tempfile.gettempdir()) / "bekostiging"


def write_error_log(err: BaseException, argv: Sequence[str] | None) -> Path | None:
    """Write the traceback of an internal error to a log file; its path, or None if it fails."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = error_log_dir() / f"fout-{stamp}-{os.getpid()}.log"
    text = (
        f"opdracht: python -m bekostiging {' '.join(sys.argv[1:] if argv is None else argv)}\n"
        f"tijd: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n\n"
        + "".join(traceback.format_exception(type(err), err, err.__traceback__))
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, text)
    except OSError:
        return None
    return path


def bug_message(err: BaseException, log: Path | None) -> str:
    """One short Dutch line for an internal error: what, a request to report it, and the log.

    >>> bug_message(KeyError("x"), Path("/tmp/bekostiging/fout.log"))
    "Interne fout (KeyError: 'x'); meld dit bij de beheerders van bekostiging en stuur \
/tmp/bekostiging/fout.log mee (de volledige foutmelding)."
    >>> bug_message(ValueError("kapot"), None)
    'Interne fout (ValueError: kapot); meld dit bij de beheerders van bekostiging.'
    """
    what = f"{type(err).__name__}: {err}"
    what = what if len(what) <= 200 else what[:197] + "..."
    tail = f" en stuur {log} mee (de volledige foutmelding)" if log is not None else ""
    return f"Interne fout ({what}); meld dit bij de beheerders van bekostiging{tail}."


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input is a message and exit 2, a bug a short line and exit 1."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_OK
    try:
        code = _COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # output piped into e.g. `head`: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except Exception as err:  # the one place every error becomes a message
        try:
            message = input_error_message(err)
        except Exception:  # naming the input failed: still no traceback, report it as a bug
            message = None
        if message is not None:
            print(f"Fout in de invoer.\n{message}", file=sys.stderr)
            return EXIT_INPUT
        print(bug_message(err, write_error_log(err, argv)), file=sys.stderr)
        return EXIT_FAILED
    return code
