"""bekostiging: funding-variant analysis for regional youth care and Wmo procurement.

The package is a set of small, pure functions on pandas/numpy objects, grouped one module per
concept. Notebooks call them and explain the results in Dutch; nothing is computed in a notebook.

Data flows through the modules in this order (see ``../shared/DESIGN.md`` section 4):

``paths`` -> ``rawdata`` (load + validate) -> ``region`` / ``parameters`` (configuration)
-> ``population`` -> ``conversion`` -> ``baseline`` -> ``submission`` (municipal figures).
"""

__version__ = "0.1.0"
