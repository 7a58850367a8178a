"""The clean stage: read text repaired and de-duplicated. Pure functions."""
