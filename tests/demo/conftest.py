import pytest


@pytest.fixture(autouse=True)
def debug_on(settings):
    """The seed commands refuse to run with DEBUG off, and the test runner turns DEBUG off."""
    settings.DEBUG = True


@pytest.fixture(autouse=True)
def demo_token_file(settings, tmp_path):
    """seed_demo writes the CI token here, not to the developer's var/demo-ci-token."""
    settings.STEWARD_DEMO_CI_TOKEN_FILE = str(tmp_path / "demo-ci-token")
    return tmp_path / "demo-ci-token"
