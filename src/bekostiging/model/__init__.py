"""Layer 4, ``model``: numbers only (no Dutch text, no charts).

The start-budget method of seed 003 (section 3.3) in order:

1. segments: defined in the region file (``config.region``);
2. conversion of Iv3 task fields to segments: ``conversion`` and ``baseline``;
3-4. clients, spend and cost per client: ``baseline``;
5-7. local policy, regional total and shares, index and benchmark: ``startbudget``
   (benchmark in ``peers``, index and growth in ``calibration``, population in ``population``).

Then the projection (``projection``, ``backtest``), the funding variants (``variants``), provider
behaviour and incentives (``behaviour``, ``incentives``, ``sensitivity``), risk and reserves
(``risk``), allocation between municipalities and providers (``allocation``) and the transition
arrangement (``transition``).
"""
