"""Layer 6, ``report``: Dutch labels, number formats, tables, charts and texts.

The model computes numbers; this layer turns them into what a policy advisor reads:
``labels`` and ``formatting`` (one place for Dutch names and ``€ 1.234.567``), ``charts``
(house style), ``suppression`` (small client counts), ``htmlexport`` (offline HTML), ``tables``
(the report table and what every chapter shares) and one module per report chapter:

=============== ==================================================================
module          chapter of notebooks/gemeente.ipynb (and regio.ipynb)
=============== ==================================================================
``brief``       Advies in het kort: the two-page advice at the front (both reports)
``summary``     title, key figures, the decision points
``glossary``    the appendix's list of abbreviations and terms (both reports)
``advice``      1 (continued) the computed advice per segment (both reports)
``affordability`` 1 and 8: start budget and P90 against the own budget
``baseline``    2 Basisgegevens en bronnen (and the overview's 8 Benchmark)
``startbudget`` 3 Startbudget in zeven stappen
``variants``    4 Bekostigingsvarianten vergeleken
``evidence``    4 (continued) what the switch of funding did in the data (both reports)
``incentives``  5 Perverse prikkels and 11 Monitoring
``projection``  6 Projectie over de contractperiode
``lookback``    7 Terugblik (both reports)
``reserves``    8 Risico's en weerstandsvermogen
``allocation``  9 Verdeelsleutels en aanbieders (and the overview's 5)
``transition``  10 Overgangsregeling
``appendix``    12 Bijlage: aannames, herkomst (both reports)
``regional``    what only the regional overview shows
``workbook``    the municipality's key tables as an Excel workbook
``outputs``     the files a run writes besides its report
=============== ==================================================================

The notebooks import this package as ``pres`` and call the chapter functions re-exported here,
e.g. ``pres.start_budget_table(view)``.
"""

from __future__ import annotations

from bekostiging.report.advice import (
    advice_table,
    advice_text,
    region_advice_table,
    region_advice_text,
)
from bekostiging.report.affordability import (
    affordability_table,
    affordability_text,
    affordability_years_table,
)
from bekostiging.report.allocation import (
    allocation_table,
    allocation_text,
    coverage_table,
    pooling_section,
    pooling_table,
    pooling_text,
    provider_table,
    region_allocation_table,
    share_flag_table,
)
from bekostiging.report.appendix import (
    assumptions_table,
    outputs_written,
    provenance_date,
    provenance_table,
)
from bekostiging.report.baseline import (
    baseline_clients_table,
    baseline_spend_table,
    benchmark_table,
    data_gaps,
    population_table,
    region_benchmark_table,
)
from bekostiging.report.brief import advice_points as brief_advice_points
from bekostiging.report.brief import incentives_table as brief_incentives_table
from bekostiging.report.brief import intro as brief_intro
from bekostiging.report.brief import region_advice_points as region_brief_advice_points
from bekostiging.report.brief import region_incentives_table as region_brief_incentives_table
from bekostiging.report.brief import region_reserve_table as region_brief_reserve_table
from bekostiging.report.brief import region_segments_table as region_brief_segments_table
from bekostiging.report.brief import reserve_table as brief_reserve_table
from bekostiging.report.brief import segments_table as brief_segments_table
from bekostiging.report.evidence import switch_evidence_table, switch_evidence_text
from bekostiging.report.glossary import glossary_table
from bekostiging.report.incentives import (
    goals_markdown,
    monitoring_table,
    scorecard_overview,
    scorecard_table,
    tornado_figure,
    tornado_text,
)
from bekostiging.report.lookback import (
    backtest_figure,
    backtest_table,
    backtest_text,
    evaluation_table,
    evaluation_text,
    region_backtest_rows,
    region_backtest_table,
    region_evaluation_table,
)
from bekostiging.report.outputs import region_results, write_outputs
from bekostiging.report.projection import (
    domain_projection_table,
    fan_chart_figure,
    projection_table,
    region_domain_projection_table,
)
from bekostiging.report.quality import findings_table, quality_section
from bekostiging.report.regional import (
    region_comparison_table,
    region_map,
    region_per_inhabitant_figure,
    region_shares_table,
    region_start_budget_table,
    region_summary,
    region_title,
    totals_check_table,
)
from bekostiging.report.reserves import (
    capacity_table,
    capacity_text,
    rating_scale_table,
    risk_table,
)
from bekostiging.report.startbudget import (
    start_budget_figure,
    start_budget_table,
    step1_table,
    step2_table,
    step3_table,
    step4_table,
    step5_table,
    step6_table,
    step7_table,
    trend_table,
)
from bekostiging.report.summary import college_summary, decision_points, policy_markdown, title
from bekostiging.report.transition import indication_table, transition_table, transition_text
from bekostiging.report.variants import (
    corridor_table,
    decided_contract,
    decided_variant,
    funding_mix_text,
    main_segment,
    region_variant_table,
    settlement_table,
    variant_figure,
    variant_risk_table,
    variant_table,
)

__all__ = [
    "brief_advice_points",
    "brief_incentives_table",
    "brief_intro",
    "brief_reserve_table",
    "brief_segments_table",
    "glossary_table",
    "region_brief_advice_points",
    "region_brief_incentives_table",
    "region_brief_reserve_table",
    "region_brief_segments_table",
    "advice_table",
    "advice_text",
    "affordability_table",
    "affordability_text",
    "affordability_years_table",
    "region_advice_table",
    "region_advice_text",
    "allocation_table",
    "allocation_text",
    "assumptions_table",
    "backtest_figure",
    "backtest_table",
    "backtest_text",
    "evaluation_table",
    "evaluation_text",
    "baseline_clients_table",
    "baseline_spend_table",
    "benchmark_table",
    "capacity_table",
    "capacity_text",
    "college_summary",
    "coverage_table",
    "data_gaps",
    "decided_variant",
    "corridor_table",
    "decided_contract",
    "decision_points",
    "fan_chart_figure",
    "funding_mix_text",
    "switch_evidence_text",
    "switch_evidence_table",
    "goals_markdown",
    "policy_markdown",
    "quality_section",
    "findings_table",
    "main_segment",
    "monitoring_table",
    "outputs_written",
    "population_table",
    "projection_table",
    "domain_projection_table",
    "region_domain_projection_table",
    "provenance_date",
    "provenance_table",
    "provider_table",
    "rating_scale_table",
    "region_allocation_table",
    "pooling_section",
    "pooling_table",
    "pooling_text",
    "share_flag_table",
    "region_backtest_rows",
    "region_backtest_table",
    "region_evaluation_table",
    "region_benchmark_table",
    "region_comparison_table",
    "region_map",
    "region_per_inhabitant_figure",
    "region_results",
    "region_shares_table",
    "region_start_budget_table",
    "region_summary",
    "region_title",
    "risk_table",
    "scorecard_overview",
    "scorecard_table",
    "settlement_table",
    "start_budget_figure",
    "start_budget_table",
    "step1_table",
    "step2_table",
    "step3_table",
    "step4_table",
    "step5_table",
    "step6_table",
    "step7_table",
    "title",
    "tornado_figure",
    "tornado_text",
    "totals_check_table",
    "indication_table",
    "transition_table",
    "transition_text",
    "trend_table",
    "region_variant_table",
    "variant_figure",
    "variant_risk_table",
    "variant_table",
    "write_outputs",
]
