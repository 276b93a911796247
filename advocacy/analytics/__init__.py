"""KPIs: set-based SQL aggregates over a period and its time series.

``period`` cuts a period into UTC buckets, ``scope`` says whose rows count (an organization, a
program, or a set of advocates), one module per KPI family runs the aggregates (``queries``
lists them), and ``report`` computes the families a request asks for, each once. Every figure
comes out of GROUP BY statements whose number does not depend on the data; Python only
arranges the per-bucket aggregates they return.
"""
