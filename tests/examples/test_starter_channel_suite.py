"""The starter channel plugin's own tests (examples/ecomflow_starter_channel/tests), run here."""

from test_starter_channel import *  # noqa: F403 - collect the plugin's tests and fixtures
