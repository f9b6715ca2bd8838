"""Data shipped with the terminal software (the illustrative sample catalog)."""

from pathlib import Path

SAMPLE_CATALOG = Path(__file__).parent / "catalog" / "sample"
EXAMPLES = Path(__file__).parent / "examples"
