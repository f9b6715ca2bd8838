"""Fixtures shared by the provisioning tests: the enrollment flow's fleet (a CA, a broker, central) for rotation."""

from tests.provisioning.test_enrollment_flow import fleet

__all__ = ["fleet"]
