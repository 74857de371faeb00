"""Code the tests and the benchmarks share, kept out of the shipped package: the redaction
scorers (`evaluate`, `placed`). Tests import it as `support` (tests/ is on their path); a bench
script puts tests/ on sys.path first."""
