"""Mutated real input files (issue 13, part 8): a clear message naming the file, or the clean result.

Hypothesis takes a real shipped file, breaks it the way people break files (a deleted row, a
cell turned into text, two columns swapped, the file cut short, an amount a thousand times too
big) and feeds it to the loader a command uses. The loader must either refuse it with an
``InputError`` that names the file (and where possible the row or field), or give exactly what
the clean file gives. Raw CBS/Iv3 files are checksummed: any change there must be refused.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.core.paths import ASSUMPTIONS_DIR, RAW_DIR
from bekostiging.data import rawdata
from bekostiging.model.conversion import load_conversion

CONVERSION = ASSUMPTIONS_DIR / "conversion" / "achterhoek.csv"
REGION = ASSUMPTIONS_DIR / "regions" / "alkmaar.yaml"
RAW = RAW_DIR / rawdata.FILES["population"]

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
