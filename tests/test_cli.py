"""The command line: exports, exit codes and messages."""

from __future__ import annotations

import contextlib

import pandas as pd

from bekostiging.cli import main


def test_baseline_export_writes_every_table_and_hides_small_counts(tmp_path, capsys):
    assert main(["baseline", "--region", "achterhoek", "--out", str(tmp_path)]) == 0
    out = tmp_path / "baseline"
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "baseline_achterhoek.xlsx",
        "baseline_achterhoek_begroting.csv",
        "baseline_achterhoek_jaarrekening.csv",
        "reconciliatie_achterhoek.csv",
    ]
    actual = pd.read_csv(out / "baseline_achterhoek_jaarrekening.csv")
    assert not actual["clients"].between(0, 10, inclusive="neither").any()
    hidden = actual[actual["clients_note"].fillna("") != ""]
    assert len(hidden) > 0 and hidden["cost_per_client"].isna().all()
    sheets = pd.read_excel(out / "baseline_achterhoek.xlsx", sheet_name=None)
    assert list(sheets) == ["Realisatie", "Begroting", "Aansluiting Iv3", "Aannames"]
    assert "Uitgaven (€)" in sheets["Realisatie"].columns


def test_unknown_region_gives_exit_code_2_and_a_message(capsys):
    assert main(["startbudget", "--region", "achterhoeck"]) == 2
    err = capsys.readouterr().err
    assert "onbekende regio" in err and "achterhoek, alkmaar" in err


def test_help_is_dutch(capsys):
    with contextlib.suppress(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "Veelgebruikte opdrachten" in out and "reports" in out


def test_refresh_population_offline_is_a_clear_message_not_a_traceback(monkeypatch, capsys):
    import urllib.error

    from bekostiging.data import cbsrefresh

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(cbsrefresh, "http_get", offline)
    assert main(["refresh-population", "--first", "2024", "--last", "2024"]) == 2
    err = capsys.readouterr().err
    assert "niet bereikbaar" in err and "werkt offline met de meegeleverde gegevens" in err
