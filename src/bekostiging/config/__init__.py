"""Layer 2, ``config``: the assumptions and settings a run is made of.

Parameter files with unit and source (``parameters``), the region file with municipalities,
segments and the decided contract (``region``), and contract dates (``contract``). Reads only
``data/assumptions``; never the raw tables.
"""
