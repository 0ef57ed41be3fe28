"""The rules engine: a pure library, importable without Django.

``schema`` defines the population tables every source produces (the registry's snapshot, Parquet
files, the synthetic generator); programmes, parameters and ``evaluate()`` build on it.
"""
