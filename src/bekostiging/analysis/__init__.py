"""Layer 5, ``analysis``: one region analysed once, for every notebook and report.

``region_analysis`` runs the model for a region and a set of run settings and caches it;
``results`` writes and reads the small results file per municipality that the regional
overview reads.
"""
