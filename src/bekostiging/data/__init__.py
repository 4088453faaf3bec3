"""Layer 3, ``data``: where data enters.

The raw CBS and Iv3 tables with their schemas and checksums (``rawdata``), the optional CBS
refresh (``cbsrefresh``) and the municipality's own figures from the submission workbook
(``submission``).
"""
