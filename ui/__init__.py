"""Helpers of the Streamlit app: translations, offline web assets, map building.

Only ``app.py`` imports streamlit; these modules build plain objects for it.
"""
