"""Benchmarks of the stock ledger and the stock queries; run them with ``scripts/bench``."""
