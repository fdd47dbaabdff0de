from __future__ import annotations

from decimal import Decimal

from ecomflow.shipping import Box, Item, choose_box

BOXES = [
    Box(id="M", inner_cm=(40, 30, 20), max_weight_kg=15, price="2.10 PLN"),
    Box(id="S", inner_cm=(20, 15, 10), max_weight_kg=5, price="1.20 PLN", tare_kg="0.1"),
    Box(id="L", inner_cm=(60, 40, 40), max_weight_kg=25, price="3.50 PLN"),
]
MUG = Item(sku="MUG", length_cm=12, width_cm=9, height_cm=10, weight_kg="0.4")
POSTER = Item(sku="POSTER", length_cm=55, width_cm=8, height_cm=8, weight_kg="0.3")
ANVIL = Item(sku="ANVIL", length_cm=20, width_cm=15, height_cm=10, weight_kg="30")


def test_smallest_box_that_fits() -> None:
    assert choose_box([MUG], BOXES).box.id == "S"  # type: ignore[union-attr]
    assert choose_box([MUG] * 6, BOXES).box.id == "M"  # type: ignore[union-attr]
    choice = choose_box([POSTER], BOXES)
    assert choice.box is not None
    assert choice.box.id == "L"
    assert "does not fit" in choice.rejected["S"]


def test_rotations_are_allowed() -> None:
    lying = Item(sku="BOOK", length_cm=9, width_cm=19, height_cm=14, weight_kg="1")
    assert choose_box([lying], BOXES).box.id == "S"  # type: ignore[union-attr]


def test_nothing_fits_says_why() -> None:
    choice = choose_box([ANVIL], BOXES)
    assert not choice.fits
    assert choice.reason is not None
    assert choice.rejected["L"] == "weight 30.00 kg > 25 kg max"
    assert choose_box([], BOXES).reason == "nothing to pack"


def test_split_into_several_parcels() -> None:
    heavy = Item(sku="KETTLEBELL", length_cm=20, width_cm=20, height_cm=20, weight_kg="12")
    single = choose_box([heavy] * 3, BOXES)
    assert not single.fits
    split = choose_box([heavy] * 3, BOXES, split=True)
    assert len(split.parcels) == 2
    assert sum(len(p.items) for p in split.parcels) == 3
    for packed in split.parcels:
        assert packed.weight_kg <= packed.box.max_weight_kg
        parcel = packed.parcel()
        assert parcel.weight_kg == packed.weight_kg
    assert split.parcels[0].parcel().dimensions[0] >= Decimal(20)
