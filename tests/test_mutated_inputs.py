"""Mutated real input files (issue 13, part 8): a clear message naming the file, or the clean result.

Hypothesis takes a real shipped file, breaks it the way people break files (a deleted row, a
cell turned into text, two columns swapped, the file cut short, an amount a thousand times too
big) and feeds it to the loader a command uses. The loader must either refuse it with an
``InputError`` that names the file (and where possible the row or field), or give exactly what
the clean file gives. Raw CBS/Iv3 files are checksummed: any change there must be refused.

Inputs and loaders: the Achterhoek conversion table (``load_conversion``), a raw CBS file
(``verify_checksums``), the Alkmaar region file (``load_region``), the parameter files
``achterhoek.yaml`` and ``reserves.yaml`` (``Region.with_parameters``), the scenario
``hogere_groei.yaml`` (``read_scenario`` + ``with_overrides``), ``notebooks/batch.yaml``
(``load_batch_config`` + ``settings_for_batch``), Aalten's submission workbook
(``read_submission`` + ``apply_submissions``) and the provider table (``load_providers``).
``conversion/national.csv`` has no loader of its own: ``new-region`` copies it and
``load_conversion`` reads the copy, as tested here for the Achterhoek table.

Where a different result is legitimate (a number still inside its declared ``min``/``max``, a
deleted override, a deleted 'ja' row, a renamed provider) the test says exactly which
difference it accepts; see each test's docstring. Asserts use the ``Problem`` attributes, not
the wording. Bounded: the whole file (8 property tests with 235 examples, 3 targeted tests)
runs in about 2 minutes (125 s measured on a loaded 2-core machine); ``derandomize=True``
keeps CI reproducible. ``pytest -s`` prints the count of each outcome per input and mutation.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import shutil
from collections.abc import Mapping

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bekostiging.batch.reports import load_batch_config, settings_for_batch
from bekostiging.config.parameters import read_scenario
from bekostiging.config.providers import load_providers, providers_file
from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError, display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR, NOTEBOOKS_DIR, RAW_DIR
from bekostiging.core.yamlio import load_yaml
from bekostiging.data import rawdata
from bekostiging.data.submission import read_submission, write_template
from bekostiging.model.baseline import apply_submissions, build_baseline
from bekostiging.model.conversion import load_conversion

CONVERSION = ASSUMPTIONS_DIR / "conversion" / "achterhoek.csv"
REGION = ASSUMPTIONS_DIR / "regions" / "alkmaar.yaml"
RAW = RAW_DIR / rawdata.FILES["population"]
PARAMETERS = ASSUMPTIONS_DIR / "parameters"
PARAMETER_FILES = ("achterhoek.yaml", "reserves.yaml")  # a region's own file and a shared one
SCENARIO = ASSUMPTIONS_DIR / "scenarios" / "hogere_groei.yaml"
BATCH = NOTEBOOKS_DIR / "batch.yaml"
CODE = "GM0197"  # Aalten

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXTS = st.sampled_from(["abc", "", "1.0.0", "n.v.t.", "10 %", "0,5", "-", "GM9999"])


@st.composite
def mutated_lines(draw, lines: list[str]):
    """One mutation of a CSV's lines (the header is line 0)."""
    kind = draw(st.sampled_from(["delete", "text", "swap", "truncate", "thousand"]))
    out = list(lines)
    row = draw(st.integers(1, len(lines) - 1))
    cells = out[row].split(",")
    if kind == "delete":
        del out[row]
    elif kind == "text":
        cells[draw(st.integers(0, len(cells) - 1))] = draw(TEXTS)
        out[row] = ",".join(cells)
    elif kind == "swap" and len(cells) > 1:
        i, j = draw(st.lists(st.integers(0, len(cells) - 1), min_size=2, max_size=2, unique=True))
        cells[i], cells[j] = cells[j], cells[i]
        out[row] = ",".join(cells)
    elif kind == "truncate":
        text = "\n".join(out)
        return kind, text[: draw(st.integers(1, len(text) - 1))]
    elif kind == "thousand":
        numeric = [k for k, c in enumerate(cells) if c.replace(".", "", 1).isdigit()]
        if numeric:
            k = draw(st.sampled_from(numeric))
            cells[k] = str(float(cells[k]) * 1000)
            out[row] = ",".join(cells)
    return kind, "\n".join(out) + "\n"


def _names_the_file(err: InputError, name: str) -> bool:
    return any(name in str(p.file) for p in err.problems)


@pytest.fixture(scope="module")
def clean_conversion():
    return load_conversion(load_region("achterhoek"))


@SETTINGS
@given(data=st.data())
def test_a_mutated_conversion_table_is_refused_or_unchanged(tmp_path, clean_conversion, data):
    lines = CONVERSION.read_text(encoding="utf-8").splitlines()
    kind, text = data.draw(mutated_lines(lines))
    folder = tmp_path / "conversion"
    folder.mkdir(exist_ok=True)
    (folder / "achterhoek.csv").write_text(text, encoding="utf-8")
    try:
        got = load_conversion(load_region("achterhoek"), folder / "achterhoek.csv")
    except InputError as err:
        assert _names_the_file(err, "achterhoek.csv"), (kind, str(err))
        return
    # What the model reads must be the same; a changed source or note is free text.
    used = ["years", "taakveld", "segment", "share", "gemeentecode", "year_from", "year_to"]
    pd.testing.assert_frame_equal(
        got[used].reset_index(drop=True), clean_conversion[used].reset_index(drop=True), obj=kind
    )


@SETTINGS
@given(data=st.data())
def test_a_mutated_raw_file_is_refused_by_its_checksum(tmp_path, data):
    lines = RAW.read_text(encoding="utf-8").splitlines()
    kind, text = data.draw(mutated_lines(lines))
    raw = tmp_path / "raw"
    if not raw.exists():
        shutil.copytree(RAW_DIR, raw, ignore=shutil.ignore_patterns("*.gz", "*.geojson"))
    (raw / RAW.name).write_text(text, encoding="utf-8")
    if text == RAW.read_text(encoding="utf-8"):
        return  # the mutation changed nothing
    with pytest.raises(InputError) as err:
        rawdata.verify_checksums(raw)
    assert _names_the_file(err.value, RAW.name), (kind, str(err.value))


@st.composite
def mutated_yaml(draw, lines: list[str]):
    """One mutation of a YAML file's lines: a deleted line, a value turned into text, a cut."""
    kind = draw(st.sampled_from(["delete", "text", "truncate"]))
    out = list(lines)
    candidates = [
        i for i, line in enumerate(out) if line.strip() and not line.lstrip().startswith("#")
    ]
    i = draw(st.sampled_from(candidates))
    if kind == "delete":
        del out[i]
    elif kind == "text" and ":" in out[i]:
        key = out[i].split(":", 1)[0]
        out[i] = f"{key}: {draw(TEXTS)}"
    elif kind == "truncate":
        text = "\n".join(out)
        return kind, text[: draw(st.integers(1, len(text) - 1))]
    return kind, "\n".join(out) + "\n"


@SETTINGS
@given(data=st.data())
def test_a_mutated_region_file_is_refused_or_loads_the_same(tmp_path, data):
    lines = REGION.read_text(encoding="utf-8").splitlines()
    kind, text = data.draw(mutated_yaml(lines))
    text = text.replace("../conversion/", str(REGION.parent.parent / "conversion") + "/")
    text = text.replace("../parameters/", str(REGION.parent.parent / "parameters") + "/")
    path = tmp_path / "alkmaar.yaml"
    path.write_text(text, encoding="utf-8")
    clean = load_region(REGION)
    try:
        got = load_region(path)
        _ = got.parameters  # what every command reads next: the assumptions and age groups
    except InputError as err:
        assert _names_the_file(err, "alkmaar.yaml"), (kind, str(err))
        return
    # What the model reads must be the same; descriptions, notes and sources may differ.
    for name in ("municipalities", "segments", "contract_start", "contract_terms", "pooling"):
        a, b = getattr(got, name), getattr(clean, name)
        if name == "municipalities":
            a = [(m.code, m.name, m.valid_from, m.valid_until, m.merged_into) for m in a]
            b = [(m.code, m.name, m.valid_from, m.valid_until, m.merged_into) for m in b]
        if name == "segments":
            a = [
                (s.id, s.procured, (s.funding or {}).get("variant"), s.target_population) for s in a
            ]
            b = [
                (s.id, s.procured, (s.funding or {}).get("variant"), s.target_population) for s in b
            ]
        if name == "pooling":
            a = [(p.segments, p.booked_by, p.key) for p in a]
            b = [(p.segments, p.booked_by, p.key) for p in b]
        assert a == b, (kind, name)


# --- YAML assumption files: parameters, a scenario, the batch file ------------------------

NUMBER_LINE = re.compile(r"^(\s*-?\s*)([^:#]+):\s*\"?(-?\d[\d_.eE+-]*)\"?\s*(#.*)?$")
KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_.]*):(.*)$")
VALUE_KINDS = ("text", "thousand", "negative")
YAML_KINDS = ("delete", *VALUE_KINDS, "typo", "truncate")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@st.composite
def yaml_mutation(draw, lines: list[str]):
    """(kind, index of the changed line, text): a deleted line, a number turned into text, a
    number times 1000, a number made negative, a key with a typo, or the file cut short."""
    kind = draw(st.sampled_from(YAML_KINDS))
    if kind == "truncate":
        text = "\n".join(lines)
        return kind, None, text[: draw(st.integers(1, len(text) - 1))]
    out = list(lines)
    if kind == "delete":
        pattern = re.compile(r"^\s*[^\s#]")
    elif kind == "typo":
        pattern = KEY_LINE
    else:
        pattern = NUMBER_LINE
    candidates = [i for i, line in enumerate(out) if pattern.match(line)]
    if kind in VALUE_KINDS:
        candidates = [i for i in candidates if _number(NUMBER_LINE.match(out[i])[3]) is not None]
    i = draw(st.sampled_from(candidates))
    if kind == "delete":
        del out[i]
    elif kind == "typo":
        m = KEY_LINE.match(out[i])
        key = m[2]
        j = draw(st.integers(0, len(key) - 1))
        typo = draw(st.sampled_from([key[:j] + key[j + 1 :], key[:j] + "x" + key[j:]]))
        out[i] = f"{m[1]}{typo}:{m[3]}"
    else:
        m = NUMBER_LINE.match(out[i])
        number = float(m[3])
        new = {
            "text": f"{m[3]} {draw(st.sampled_from(['EUR', '%', 'per jaar']))}",
            "thousand": repr(number * 1000),
            "negative": repr(-number if number else -1.0),
        }[kind]
        out[i] = f"{m[1]}{m[2]}: {new}"
    return kind, i, "\n".join(out) + "\n"


def _values(params) -> dict:
    return {n: params.param(n).value for n in params.names()}


def _numbers(value) -> list[float]:
    values = value.values() if isinstance(value, Mapping) else [value]
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _within(param) -> bool:
    lo, hi = param.bounds
    return all((lo is None or v >= lo) and (hi is None or v <= hi) for v in _numbers(param.value))


OUTCOMES: collections.Counter = collections.Counter()
"""(input, mutation, outcome) -> count, printed at the end of the module (``pytest -s``)."""


@pytest.fixture(scope="module", autouse=True)
def _print_outcomes():
    yield
    for key, n in sorted(OUTCOMES.items()):
        print("outcome", *key, n)


def _refused_at(err: InputError, name: str, kind: str) -> None:
    """The refusal names the mutated file and, unless the file was cut, a line or key."""
    OUTCOMES[name, kind, "refused"] += 1
    here = [p for p in err.problems if name in str(p.file)]
    assert here, (kind, str(err))
    if kind != "truncate":
        assert any(p.row is not None or p.column is not None for p in here), (kind, str(err))


@pytest.fixture(scope="module")
def achterhoek():
    return load_region("achterhoek")


@pytest.fixture(scope="module")
def clean_parameters(achterhoek):
    return _values(achterhoek.with_parameters())


@settings(SETTINGS, max_examples=40)
@given(name=st.sampled_from(PARAMETER_FILES), data=st.data())
def test_a_mutated_parameter_file_is_refused_or_resolves_the_same(
    tmp_path, achterhoek, clean_parameters, name, data
):
    """Through ``Region.with_parameters``, what every command calls. Accepted outcomes:

    * the same resolved values (a deleted comment, note, unit bound or free text);
    * a number times 1000 or made negative that stays inside the ``min``/``max`` the file
      declares for it: a legitimately different assumption. Then only that one parameter may
      differ, and it must lie within its declared bounds (a parameter without bounds accepts
      any number: the loader cannot know better, and says so nowhere);
    * a deleted key of a keyed value (a year, a code): a shorter but well-formed mapping, so
      the keys left must keep their clean values;
    * names lost (a cut file, a deleted or mistyped name line): the model refuses a missing
      name where it reads it (``unknown name``, with a did-you-mean). What may never happen is
      a surviving name with another value from elsewhere (an earlier file, a merged entry).
    """
    lines = (PARAMETERS / name).read_text(encoding="utf-8").splitlines()
    kind, _, text = data.draw(yaml_mutation(lines))
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    source = (PARAMETERS / name).resolve()
    files = tuple(path if f == source else f for f in achterhoek.parameter_files)
    assert path in files
    region = dataclasses.replace(achterhoek, parameter_files=files)
    try:
        params = region.with_parameters()
    except InputError as err:
        _refused_at(err, name, kind)
        return
    got = _values(params)
    changed = [n for n in clean_parameters if n in got and got[n] != clean_parameters[n]]
    outcome = "equal" if got == clean_parameters else "names lost" if not changed else "changed"
    if kind in ("thousand", "negative") and changed:
        assert len(changed) == 1 and _within(params.param(changed[0])), (kind, changed)
        assert set(got) == set(clean_parameters), kind
        OUTCOMES[name, kind, "accepted within bounds"] += 1
        return
    OUTCOMES[name, kind, outcome] += 1
    for n in changed:  # only a keyed value that lost a key
        old, new = clean_parameters[n], got[n]
        assert isinstance(old, Mapping) and isinstance(new, Mapping), (kind, n, old, new)
        assert set(new) < set(old) and all(new[k] == old[k] for k in new), (kind, n)


@pytest.fixture(scope="module")
def scenario_values(achterhoek):
    """(values with the clean scenario, values without any)."""
    return _values(achterhoek.with_parameters(SCENARIO)), _values(achterhoek.parameters)


@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_a_mutated_scenario_is_refused_or_applies_what_it_says(
    tmp_path, achterhoek, scenario_values, data
):
    """``Region.with_parameters(scenario)`` (``read_scenario`` and ``with_overrides`` with the
    region's segments), as ``--scenario`` and the notebooks use it.

    A scenario only overrides: a deleted or cut-off override is a smaller scenario, so every
    value must be the clean scenario's or the region's own (nothing else). A number times
    1000 or negative may be accepted only inside the ``min``/``max`` of the parameter it
    overrides (the shipped values are all refused: prevalence must stay in [0, 1] and the
    trend damping too).
    """
    with_scenario, without = scenario_values
    lines = SCENARIO.read_text(encoding="utf-8").splitlines()
    kind, _, text = data.draw(yaml_mutation(lines))
    path = tmp_path / SCENARIO.name
    path.write_text(text, encoding="utf-8")
    try:  # what Region.with_parameters(scenario) does, on the region's loaded parameters
        params = achterhoek.parameters.with_overrides(
            read_scenario(path), source=display_path(path), known_keys=achterhoek.segment_ids()
        )
    except InputError as err:
        _refused_at(err, SCENARIO.name, kind)
        return
    got = _values(params)
    assert set(got) == set(with_scenario), kind
    outcome = "equal" if got == with_scenario else "smaller scenario"
    for n, v in got.items():
        if v not in (with_scenario[n], without[n]):
            assert kind in ("thousand", "negative") and _within(params.param(n)), (kind, n, v)
            outcome = "accepted within bounds"
    OUTCOMES[SCENARIO.name, kind, outcome] += 1


@pytest.fixture(scope="module")
def clean_batch():
    config = load_batch_config(BATCH)
    return settings_for_batch("achterhoek", config), config["overrides"]


@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_a_mutated_batch_file_is_refused_or_gives_the_same_settings(tmp_path, clean_batch, data):
    """``load_batch_config`` and ``settings_for_batch``, as ``reports`` uses them.

    The shipped defaults equal the notebooks' own, so a deleted or cut-off line must give the
    same settings; every other value is refused with the batch file and its line (the range
    of each setting is declared in ``config.settings.Settings``; none of the shipped numbers
    stays in range times 1000 or negative).
    """
    lines = BATCH.read_text(encoding="utf-8").splitlines()
    kind, _, text = data.draw(yaml_mutation(lines))
    path = tmp_path / BATCH.name
    path.write_text(text, encoding="utf-8")
    try:
        config = load_batch_config(path)
        got = settings_for_batch("achterhoek", config), config["overrides"]
    except InputError as err:
        _refused_at(err, BATCH.name, kind)
        return
    assert got == clean_batch, kind
    OUTCOMES[BATCH.name, kind, "equal"] += 1


# --- the submission workbook (step 5) --------------------------------------------------------

JA_ROWS = (2, 5, 20)  # iaj 2021, iaj 2024, wmo_io 2023 in 'Realisatie'
LAST_ROW = 33  # 8 procured segments x 4 years, after the header


@pytest.fixture(scope="module")
def submission_case(achterhoek, tmp_path_factory):
    """A filled workbook for Aalten (three rows 'ja', with the pre-filled figures) and what
    the commands make of it: the baseline with its figures applied, the expectations and the
    capacity."""
    baseline = build_baseline(achterhoek)
    folder = tmp_path_factory.mktemp("submission")
    template = write_template(achterhoek, CODE, folder / "template.xlsx", baseline)
    wb = openpyxl.load_workbook(template)
    ws = wb["Realisatie"]
    for r in JA_ROWS:
        ws[f"G{r}"] = "ja"
    filled = folder / f"{CODE}.xlsx"
    wb.save(filled)
    sub = read_submission(filled, achterhoek)
    assert sorted(sub.realised["row"]) == list(JA_ROWS)
    return filled, baseline, sub


def _applied(baseline, sub):
    return apply_submissions(baseline, sub.realised), sub.expectations, sub.capacity


@st.composite
def workbook_mutation(draw):
    """(kind, sheet, row, change): ``change(workbook)`` for the openpyxl-level mutations; for
    'truncate' ``change`` is the number of bytes kept."""
    kind = draw(st.sampled_from(["text", "thousand", "delete", "formula", "meta_code", "truncate"]))
    if kind == "truncate":
        return kind, None, None, draw(st.floats(0.01, 0.99))
    if kind == "meta_code":
        code = draw(st.sampled_from(["GM0222", "GM9999", "", "0197"]))

        def meta(wb):
            ws = wb["_meta"]
            for row in ws.iter_rows(min_col=1, max_col=2):
                if row[0].value == "gemeentecode":
                    row[1].value = code

        return kind, "_meta", None, meta
    row = draw(
        st.sampled_from(JA_ROWS) if kind in ("thousand", "formula") else st.integers(2, LAST_ROW)
    )
    if kind == "delete":
        return kind, "Realisatie", row, lambda wb: wb["Realisatie"].delete_rows(row)
    column = draw(st.sampled_from("DE" if kind in ("thousand", "formula") else "ACDEG"))
    cell = f"{column}{row}"
    if kind == "text":
        value = draw(TEXTS)

        def text(wb):
            wb["Realisatie"][cell] = value

        return kind, "Realisatie", row, text

    def thousand(wb):
        wb["Realisatie"][cell] = wb["Realisatie"][cell].value * 1000

    def formula(wb):
        wb["Realisatie"][cell] = f"={column}{row + 1}*1"  # openpyxl saves no cached value

    return kind, "Realisatie", row, thousand if kind == "thousand" else formula


@settings(SETTINGS, max_examples=30)
@given(mutation=workbook_mutation())
def test_a_mutated_submission_is_refused_or_read_the_same(
    tmp_path, achterhoek, submission_case, mutation
):
    """``read_submission`` (``check-submission``) and ``apply_submissions`` (in every
    baseline the commands build), on a real template for Aalten.

    A refusal names the workbook and, for a change inside it, the sheet and the row (the
    workbook's check of an own figure against the public one names row and column). A cut
    file is refused as damaged. Accepted: the same applied baseline, expectations and
    capacity; a deleted row takes away only its own figure (a deleted 'nee' row changes
    nothing, a deleted 'ja' row is as if it were 'nee').
    """
    filled, baseline, clean = submission_case
    kind, sheet, row, change = mutation
    path = tmp_path / filled.name
    if kind == "truncate":
        data = filled.read_bytes()
        path.write_bytes(data[: max(1, int(len(data) * change))])
    else:
        wb = openpyxl.load_workbook(filled)
        change(wb)
        wb.save(path)
    try:
        sub = read_submission(path, achterhoek)
        got = _applied(baseline, sub)
    except InputError as err:
        OUTCOMES["submission", kind, "refused"] += 1
        here = [p for p in err.problems if filled.name in str(p.file)]
        assert here, (kind, str(err))
        if kind not in ("truncate",):
            assert any(p.row is not None for p in here), (kind, str(err))
        if kind in ("text", "delete", "formula", "meta_code"):
            assert any(p.sheet == sheet for p in here), (kind, str(err))
        return
    expected = clean
    if kind == "delete" and row in JA_ROWS:
        kept = clean.realised[clean.realised["row"] != row]
        expected = dataclasses.replace(clean, realised=kept)
    want = _applied(baseline, expected)
    pd.testing.assert_frame_equal(got[0], want[0], obj=kind)
    pd.testing.assert_frame_equal(got[1], want[1], obj=kind)
    assert got[2] == want[2], kind
    OUTCOMES["submission", kind, "equal" if expected is clean else "a 'ja' row less"] += 1


# --- the provider landscape ------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_providers(achterhoek):
    return load_providers(achterhoek)


@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_a_mutated_provider_table_is_refused_or_loads_the_same(
    tmp_path, achterhoek, clean_providers, data
):
    """``load_providers`` (the allocation and settlement chapters). A provider's name is free
    text, so a changed name is a renamed provider (all else equal). A deleted row is a
    smaller landscape: only the deleted provider's rows in its segment go, and every
    municipality's shares in that segment still add up to 1; every other segment is equal.
    """
    path0 = providers_file(achterhoek)
    lines = path0.read_text(encoding="utf-8").splitlines()
    kind, text = data.draw(mutated_lines(lines))
    path = tmp_path / path0.name
    path.write_text(text, encoding="utf-8")
    try:
        got = load_providers(achterhoek, path)
    except InputError as err:
        assert _names_the_file(err, path0.name), (kind, str(err))
        OUTCOMES["providers", kind, "refused"] += 1
        if kind != "truncate":
            assert any(p.row is not None for p in err.problems), (kind, str(err))
        return
    cols = ["gemeentecode", "segment", "provider", "share", "historical_share", "local"]
    clean = clean_providers[cols].reset_index(drop=True)
    got = got[cols].reset_index(drop=True)
    if got.equals(clean):
        OUTCOMES["providers", kind, "equal"] += 1
        return
    if len(got) == len(clean):  # a renamed provider
        OUTCOMES["providers", kind, "renamed provider"] += 1
        same = [c for c in cols if c != "provider"]
        pd.testing.assert_frame_equal(got[same], clean[same], obj=kind)
        renamed = got["provider"] != clean["provider"]
        assert got.loc[renamed, "provider"].nunique() == 1, kind
        assert clean.loc[renamed, "provider"].nunique() == 1, kind
        return
    assert kind in ("delete", "truncate"), kind
    OUTCOMES["providers", kind, "smaller landscape"] += 1
    lost = set(zip(clean["provider"], clean["segment"])) - set(zip(got["provider"], got["segment"]))
    assert set(zip(got["provider"], got["segment"])) <= set(
        zip(clean["provider"], clean["segment"])
    )
    segments = {s for _, s in lost}
    if kind == "delete":
        assert len(lost) <= 1, lost
    other = ~clean["segment"].isin(segments)
    pd.testing.assert_frame_equal(
        got[~got["segment"].isin(segments)].reset_index(drop=True),
        clean[other].reset_index(drop=True),
        obj=kind,
    )
    sums = got.groupby(["gemeentecode", "segment"])["share"].sum()
    assert ((sums - 1).abs() < 1e-6).all(), kind


# --- the bugs the mutations found, each with its own test --------------------------------------


def test_a_key_twice_in_one_mapping_is_refused_with_both_lines(tmp_path):
    """Deleting the name line of a parameter (``  gwv:``) merged its fields into the entry
    above: PyYAML kept the last ``value`` and prevalence.iaj silently took gwv's value."""
    lines = (PARAMETERS / "achterhoek.yaml").read_text(encoding="utf-8").splitlines()
    gwv = lines.index("  gwv:")
    path = tmp_path / "achterhoek.yaml"
    path.write_text("\n".join(lines[:gwv] + lines[gwv + 1 :]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_yaml(path)
    first = [p for p in err.value.problems if p.column == "prevalence.iaj.value"]
    assert len(first) == 1 and first[0].file == str(path)
    assert first[0].row == gwv + 1  # gwv's value line, now the second 'value' of iaj
    assert lines[gwv].strip() == "gwv:" and lines[gwv + 1].strip().startswith("value:")
    assert {p.column for p in err.value.problems} == {
        f"prevalence.iaj.{k}" for k in ("value", "unit", "source", "min", "max", "note")
    }


def test_a_wrong_value_in_the_batch_file_names_the_file_and_line(tmp_path):
    """It was refused only as a notebook parameter, without the batch file or its line."""
    path = tmp_path / "batch.yaml"
    text = BATCH.read_text(encoding="utf-8")
    path.write_text(
        text.replace("draws: 2000", "draws: 2000 EUR").replace(
            "overrides: {}", "overrides:\n  GM0222:\n    backtest_year: 2031"
        ),
        encoding="utf-8",
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(InputError) as err:
        load_batch_config(path)
    got = sorted((p.row, p.column, p.found) for p in err.value.problems)
    assert got == [
        (lines.index("  draws: 2000 EUR") + 1, "defaults.draws", "2000 EUR"),
        (lines.index("    backtest_year: 2031") + 1, "overrides.GM0222.backtest_year", 2031),
    ]
    assert {p.file for p in err.value.problems} == {str(path)}


def test_a_thousandfold_client_count_on_a_ja_row_is_refused(tmp_path, achterhoek, submission_case):
    """500,000 clients for Aalten's iaj (27,000 inhabitants) was below the workbook's limit
    of a million and replaced the estimate without a word; three times the estimate is a real
    difference and is kept."""
    filled, baseline, _ = submission_case
    wb = openpyxl.load_workbook(filled)
    ws = wb["Realisatie"]
    clients = ws["D5"].value
    for factor, name in ((1000, f"{CODE}.xlsx"), (3, f"{CODE}.xlsx")):
        ws["D5"] = clients * factor
        path = tmp_path / str(factor) / name
        path.parent.mkdir()
        wb.save(path)
        sub = read_submission(path, achterhoek)  # the workbook alone cannot know
        if factor == 3:
            out = apply_submissions(baseline, sub.realised)
            row = out.query("gemeentecode == @CODE and segment == 'iaj' and year == 2024")
            assert row["clients"].tolist() == [clients * 3]
            continue
        with pytest.raises(InputError) as err:
            apply_submissions(baseline, sub.realised)
        [p] = err.value.problems
        assert (p.file, p.row, p.column, p.found) == (
            display_path(path),
            5,
            "Cliënten",
            clients * 1000.0,
        )
