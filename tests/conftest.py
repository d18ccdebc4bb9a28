"""Fixtures shared by the test modules."""

import pytest

from jackserver import JackServer, jackd_path


@pytest.fixture(scope="module")
def jack_server():
    """A private jackd (dummy driver, 48 kHz, 256 frames) for the tests of one module."""
    if jackd_path() is None:
        pytest.skip("jackd is not installed (Debian/Ubuntu: apt install jackd2)")
    with JackServer() as server:
        yield server
