"""Layer 7, ``batch``: papermill runs the notebooks and writes the reports.

``runner`` executes notebook jobs in processes and writes the index; ``reports`` plans the jobs
of a region from ``notebooks/batch.yaml``; ``notebooks`` re-runs and checks the committed
notebooks.
"""
