"""Benchmark baselines: what pcc-qa is measured against."""
