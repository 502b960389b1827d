import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded reward images land in a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
