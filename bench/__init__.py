"""Benchmarks: speed and memory targets, measured and compared (never timed tests).

``make bench`` (``python -m bench``) runs every ``bench/bench_*.py`` module. Each module has
``TARGETS`` (metric → upper bound, or ``(">=", lower bound)``) and
``run(workdir) -> dict[metric, value]``. Results are compared with the targets and with
``bench/baseline.json``; ``--record`` updates the baseline. ``bench/support.py`` builds the
databases and servers they measure.
"""
