"""Reusable pytest suites that check an adapter keeps the contract of its protocols.

A plugin author subclasses :class:`OrderSourceConformance` (a channel) or
:class:`ShipmentProviderConformance` (a carrier) in their own tests and fills
in the hooks; pytest collects the inherited tests. They exercise every method
of :mod:`ecomflow.adapters.protocols` the adapter implements, on the sync
client and on the async twin, against the adapter's fake server — including
the unhappy orderings (ids not ascending within a second, changes in the
boundary second of a cursor, a lost answer after a create, a poison order in
the middle of a page). :func:`assert_twins_match` checks that the twins expose
the same public methods.

The built-in adapters pass them (see ``tests/adapters``); so do the starter
plugins in ``examples/``.
"""

from ecomflow.testing.conformance.carriers import ShipmentProviderConformance
from ecomflow.testing.conformance.channels import OrderSourceConformance
from ecomflow.testing.conformance.twins import assert_twins_match, public_methods

__all__ = [
    "OrderSourceConformance",
    "ShipmentProviderConformance",
    "assert_twins_match",
    "public_methods",
]
