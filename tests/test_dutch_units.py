"""Units in Dutch (issue 14, item 4): every unit in the assumption files has a Dutch wording.

The appendix shows each assumption's unit; the files are written in English for the
engineers, and ``data/assumptions/labels_nl.yaml`` gives the Dutch text. A new parameter
without a translation would put English into the college report, so this test lists every
unit of every parameter file and fails on the first one without a Dutch wording.
"""

from __future__ import annotations

import yaml

from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.report.labels import unit_label


def _units(node, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        if "unit" in node and "value" in node:
            out.add(str(node["unit"]))
        for v in node.values():
            _units(v, out)
    return out


def test_every_unit_of_every_parameter_file_has_a_dutch_wording():
    units: set[str] = set()
    for f in sorted((ASSUMPTIONS_DIR / "parameters").glob("*.yaml")):
        _units(yaml.safe_load(f.read_text("utf-8")), units)
    assert len(units) > 50  # the files were found and read
    untranslated = sorted(u for u in units if unit_label(u) == u)
    assert untranslated == []


def test_a_unit_without_an_entry_is_shown_as_it_is():
    assert unit_label("furlongs per fortnight") == "furlongs per fortnight"
