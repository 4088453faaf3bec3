"""The Dutch words of the report: labels, sentences and charts made from the model's numbers.

The model (:mod:`bekostiging.model`) returns numbers and plain facts with English keys; each
module here turns one of its tables into the frame the reports show, word for word and
number for number: ``risk`` (risk table, capacity and rating), ``incentives`` (scorecard and
variant comparison), ``sensitivity`` (tornado labels and chart) and ``backtest`` (row names).
"""
