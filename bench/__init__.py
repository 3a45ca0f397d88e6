"""Benchmarks: what the dashboard costs on top of the postpress API (`make bench`)."""
