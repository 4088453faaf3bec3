"""Layer 2, ``config``: the assumptions and settings a run is made of.

Parameter and scenario files with unit and source (``parameters``), the region file with
municipalities, segments and the decided contract (``region``, its pydantic models in
``region_file``), contract dates (``contract``), run settings and the report batch file
(``settings``), and the CSV assumption tables as pandera models (``conversion``,
``providers``, via ``frames``). ``validation`` turns pydantic errors into problems with file,
line and key. Reads only ``data/assumptions``; never the raw tables (see ``data.quality``).
"""
