"""Layer 6, ``report``: Dutch labels, number formats, tables, charts and texts.

The model computes numbers; this layer turns them into what a policy advisor reads:
``labels`` and ``formatting`` (one place for Dutch names and ``€ 1.234.567``), ``charts``
(house style), ``suppression`` (small client counts), ``htmlexport`` (offline HTML) and the
report chapters.
"""
