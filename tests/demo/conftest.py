import pytest


@pytest.fixture(autouse=True)
def debug_on(settings):
    """The seed commands refuse to run with DEBUG off, and the test runner turns DEBUG off."""
    settings.DEBUG = True
