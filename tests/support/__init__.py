"""What more than one test module (or a benchmark) uses, kept out of the shipped package: builders
of repositories, logs and datasets, the trail's ground-truth driver, the redaction scorers. Tests
import it as `support` (tests/ is on their path); a bench script puts tests/ on sys.path first."""
