"""Layer 1, ``core``: what every other layer uses and that knows nothing of the domain.

Errors with file/row/column (``errors``), project paths (``paths``), atomic writes (``atomic``),
YAML with line numbers (``yamlio``) and CSV tables with a column spec (``tables``).
"""
