"""Build the embedded Inner Mongolia dataset under ``data/`` from packages.

Run ``python -m data.build`` (all layers) or ``python -m data.build --only ID``.
Inputs are the packages of ``requirements-data.txt``; the same inputs give the
same files.
"""
