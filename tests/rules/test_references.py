"""Issue 14 item 7: rules naming an unknown carrier service or template fail at load."""

from __future__ import annotations

from typing import Any

import pytest

from ecomflow.errors import RuleError
from ecomflow.rules import RuleSet
from ecomflow.shipping import Catalogue

SERVICES = [service.id for service in Catalogue.example()]
TEMPLATES = ["confirmation", "shipped", "delay", "delivered", "data_request"]


def one_rule(*then: Any, enabled: bool = True) -> dict[str, Any]:
    return {
        "rules": [
            {
                "id": "route-dpd",
                "when": {"field": "channel", "value": "shop"},
                "then": list(then),
                "enabled": enabled,
            }
        ]
    }


def test_item7_an_unknown_service_names_the_rule_the_value_and_a_suggestion() -> None:
    with pytest.raises(RuleError) as info:
        RuleSet.load(one_rule({"set_service": "dpd_clasic"}), services=SERVICES)
    error = info.value
    assert (error.rule_id, error.field) == ("route-dpd", "set_service")
    assert "'route-dpd'" in str(error)
    assert "'dpd_clasic'" in str(error)
    assert "did you mean 'dpd_classic'" in str(error)


def test_item7_an_unknown_template_names_the_rule_the_value_and_a_suggestion() -> None:
    with pytest.raises(RuleError) as info:
        RuleSet.load(one_rule({"notify": "confirmaton"}), templates=TEMPLATES)
    assert (info.value.rule_id, info.value.field) == ("route-dpd", "notify")
    assert "'confirmaton'" in str(info.value)
    assert "did you mean 'confirmation'" in str(info.value)


def test_item7_without_a_close_match_the_known_values_are_listed() -> None:
    with pytest.raises(RuleError) as info:
        RuleSet.load(one_rule({"set_service": "fedex_overnight"}), services=SERVICES)
    assert "did you mean" not in str(info.value)
    assert "dpd_classic" in str(info.value) and "personal_pickup" in str(info.value)


def test_item7_disabled_rules_are_checked_too() -> None:
    with pytest.raises(RuleError, match="dpd_clasic"):
        RuleSet.load(one_rule({"set_service": "dpd_clasic"}, enabled=False), services=SERVICES)


def test_item7_known_values_load() -> None:
    rules = RuleSet.load(
        one_rule({"set_service": "dpd_classic"}, {"notify": "shipped"}),
        services=SERVICES,
        templates=TEMPLATES,
    )
    assert len(rules) == 1
    # A catalogue's services can be passed as they are.
    RuleSet.load(one_rule({"set_service": "dpd_classic"}), services=Catalogue.example())


def test_item7_without_collections_nothing_is_checked() -> None:
    RuleSet.load(one_rule({"set_service": "anything"}, {"notify": "whatever"}))
    RuleSet.load(one_rule({"set_service": "anything"}), templates=TEMPLATES)
    RuleSet.load(one_rule({"notify": "whatever"}), services=SERVICES)


def test_item7_an_empty_collection_means_nothing_is_known() -> None:
    with pytest.raises(RuleError, match="no carrier services are known"):
        RuleSet.load(one_rule({"set_service": "dpd_classic"}), services=[])
