"""The starter carrier plugin's own tests (examples/ecomflow_starter_carrier/tests), run here."""

from test_starter_carrier import *  # noqa: F403 - collect the plugin's tests and fixtures
