"""Benchmarks (``make bench``): timings with ratios against a naive baseline in the same run."""
