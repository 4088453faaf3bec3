"""Command line: ``python -m bekostiging <opdracht>`` (help texts in Dutch for policy advisors).

Every command turns bad input into a readable message (file, row, column) and exit code 2,
never a traceback; output files are written atomically.

>>> main(["regions"])
achterhoek  Achterhoek (8 gemeenten)
alkmaar     Regio Alkmaar (6 gemeenten, 2 opgegaan in een fusie)
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2

DESCRIPTION = """\
Bekostiging jeugdhulp en Wmo: analyse van bekostigingsvarianten voor regionale inkoop.

Veelgebruikte opdrachten:
  python -m bekostiging reports --region achterhoek     alle rapporten voor de regio
  python -m bekostiging baseline --region achterhoek    basistabellen (uitgaven, cliënten per segment)
  python -m bekostiging template --gemeente GM0197      invulformat (Excel) voor één gemeente
  python -m bekostiging check-submission bestand.xlsx   een ingevuld format controleren
  python -m bekostiging check-data                      controleer alle data en aannames

Uitvoer komt in reports/<regio>/. Aannames staan in data/assumptions/ (zie README.md).
"""

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return register


def _region_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--region",
        "--regio",
        default="achterhoek",
        help="regio-id, zie 'python -m bekostiging regions' (standaard: achterhoek)",
    )


def _out_dir(args: argparse.Namespace, *parts: str) -> Path:
    from .paths import REPORTS_DIR

    base = Path(args.out) if getattr(args, "out", None) else REPORTS_DIR / args.region
    return base.joinpath(*parts)


@command("regions")
def cmd_regions(args: argparse.Namespace) -> int:
    from .region import available_regions, load_region

    for rid in available_regions():
        r = load_region(rid)
        merged = len(r.municipalities) - len(r.current_codes())
        extra = f", {merged} opgegaan in een fusie" if merged else ""
        print(f"{rid:<11} {r.name} ({len(r.current_codes())} gemeenten{extra})")
    return EXIT_OK


@command("check-data")
def cmd_check_data(args: argparse.Namespace) -> int:
    from . import rawdata
    from .conversion import load_conversion
    from .region import available_regions, load_region

    table = rawdata.verify_checksums()
    print(f"Ruwe data: {len(table)} bestanden, checksums kloppen.")
    rawdata.load_population()
    rawdata.load_agebands()
    iv3 = rawdata.load_iv3()
    rawdata.load_wmo_clients()
    rawdata.load_youth_national()
    rawdata.load_boundaries()
    print(f"Tabellen gevalideerd (Iv3: {len(iv3):,} rijen).".replace(",", "."))
    regions = [args.region] if args.region else available_regions()
    for rid in regions:
        r = load_region(rid)
        params = r.parameters
        load_conversion(r)
        n_est = int(params.table()["estimate"].sum())
        print(
            f"{r.name}: {len(r.current_codes())} gemeenten, {len(r.segments)} segmenten, "
            f"{len(params)} aannames (waarvan {n_est} schatting)."
        )
    print("Alles in orde.")
    return EXIT_OK


def write_baseline_tables(
    region_id: str, out_dir: Path, scenario: str | None = None, with_submissions: bool = True
) -> list[Path]:
    """Write the baseline (actuals and budgets), reconciliation and provenance tables."""
    from . import atomic
    from .baseline import build_baseline, reconcile
    from .labels import dutch_columns
    from .region import load_region
    from .submission import load_submissions

    region = load_region(region_id)
    params = region.with_parameters(scenario)
    realised = None
    if with_submissions:
        realised, _expectations, files = load_submissions(region)
        if files:
            print(f"Opgaven van gemeenten gebruikt: {', '.join(f.name for f in files)}")
    actual = build_baseline(region, params=params, submissions=realised)
    budget = build_baseline(region, report=region.budget_report, params=params)
    rec = reconcile(actual, region)
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


@command("baseline")
def cmd_baseline(args: argparse.Namespace) -> int:
    out = _out_dir(args, "baseline")
    for path in write_baseline_tables(args.region, out, args.scenario, not args.no_submissions):
        print(f"geschreven: {path}")
    return EXIT_OK


@command("template")
def cmd_template(args: argparse.Namespace) -> int:
    from .paths import REPORTS_DIR, submissions_dir
    from .region import load_region
    from .submission import write_template

    region = load_region(args.region)
    m = region.municipality(args.gemeente)
    # Not in data/submissions: an empty template there would count as a second submission.
    out = Path(args.out) if args.out else REPORTS_DIR / region.id / "formats" / f"{m.code}_format.xlsx"
    write_template(region, m.code, out)
    print(f"Invulformat voor {m.name} ({m.code}) geschreven: {out}")
    print(f"Vul het in en zet het als {m.code}.xlsx in {submissions_dir(region.id)}.")
    return EXIT_OK


@command("check-submission")
def cmd_check_submission(args: argparse.Namespace) -> int:
    from .region import load_region
    from .submission import read_submission

    region = load_region(args.region)
    sub = read_submission(args.file, region)
    print(
        f"{args.file}: in orde. {len(sub.realised)} eigen cijfers, "
        f"{len(sub.expectations)} verwachte ontwikkelingen voor {region.name_of(sub.gemeentecode)}."
    )
    return EXIT_OK


@command("reports")
def cmd_reports(args: argparse.Namespace) -> int:
    # Until the notebook batch exists, the region's reports are its baseline tables.
    out = _out_dir(args, "baseline")
    for path in write_baseline_tables(args.region, out, args.scenario):
        print(f"geschreven: {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bekostiging",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="<opdracht>")

    sub.add_parser("regions", help="toon de beschikbare regio's")

    p = sub.add_parser("check-data", help="controleer ruwe data (checksums, schema's) en aannames")
    p.add_argument("--region", "--regio", default=None, help="alleen deze regio (standaard: alle)")

    for name, text in (
        ("baseline", "schrijf de basistabellen per gemeente x segment x jaar"),
        ("reports", "maak alle rapporten voor een regio"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        _region_arg(p)
        p.add_argument(
            "--scenario",
            default=None,
            help="YAML-bestand met gewijzigde aannames (zie data/assumptions/scenarios)",
        )
        p.add_argument("--out", default=None, help="uitvoermap (standaard: reports/<regio>)")
        if name == "baseline":
            p.add_argument(
                "--no-submissions",
                action="store_true",
                help="negeer ingevulde formats in data/submissions/<regio>",
            )

    p = sub.add_parser(
        "template",
        help="schrijf het invulformat (Excel) voor één gemeente",
        description="Schrijf het vaste invulformat (stap 5 van de startbudgetmethode) "
        "voor één gemeente, vooraf ingevuld met publieke cijfers en schattingen.",
    )
    _region_arg(p)
    p.add_argument("--gemeente", required=True, help="gemeentecode, bijvoorbeeld GM0197")
    p.add_argument(
        "--out", default=None, help="bestandsnaam (standaard: data/submissions/<regio>/)"
    )

    p = sub.add_parser("check-submission", help="controleer een ingevuld invulformat")
    _region_arg(p)
    p.add_argument("file", help="het ingevulde Excel-bestand")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_OK
    try:
        code = _COMMANDS[args.command](args)
    except InputError as err:
        print(f"Fout in de invoer.\n{err}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return EXIT_FAILED
    return code
