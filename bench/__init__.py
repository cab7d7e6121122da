"""Benchmarks: call budgets, timings, memory. Each module has a ``main()``; ``python -m bench`` runs them all
and ``python -m bench.<module>`` runs one. They print counts and ratios; they are not tests. Figures are kept
in ``bench/RESULTS.md``."""
