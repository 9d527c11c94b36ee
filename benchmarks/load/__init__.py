"""The load benchmark (Locust): `python -m benchmarks.load`."""
