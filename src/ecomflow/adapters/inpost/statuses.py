"""Every ShipX status name and the unified TrackingStatus it means.

Names from InPost's Magento plugin ``Model/Config/Source/Status.php`` and
python-sendparcel (reference §4 "Tracking and statuses"). ``test_inpost.py``
checks that no listed name is unmapped.
"""

from __future__ import annotations

from ecomflow.shipping.tracking import TrackingStatus

__all__ = ["EXCEPTION_STATUSES", "SHIPX_STATUSES", "tracking_status"]

T = TrackingStatus

#: ShipX status name → unified status.
SHIPX_STATUSES: dict[str, TrackingStatus] = {
    # creation
    "created": T.CREATED,
    "offers_prepared": T.CREATED,
    "offer_selected": T.CREATED,
    "confirmed": T.LABEL_READY,
    # collection from the sender
    "dispatched_by_sender": T.PICKED_UP,
    "dispatched_by_sender_to_pok": T.PICKED_UP,
    "collected_from_sender": T.PICKED_UP,
    "taken_by_courier": T.PICKED_UP,
    "taken_by_courier_from_pok": T.PICKED_UP,
    # in transit
    "adopted_at_source_branch": T.IN_TRANSIT,
    "sent_from_source_branch": T.IN_TRANSIT,
    "adopted_at_sorting_center": T.IN_TRANSIT,
    "sent_from_sorting_center": T.IN_TRANSIT,
    "adopted_at_target_branch": T.IN_TRANSIT,
    "readdressed": T.IN_TRANSIT,
    "redirect_to_box": T.IN_TRANSIT,
    "canceled_redirect_to_box": T.IN_TRANSIT,
    # out for delivery
    "out_for_delivery": T.OUT_FOR_DELIVERY,
    "out_for_delivery_to_address": T.OUT_FOR_DELIVERY,
    # waiting for the customer
    "ready_to_pickup": T.READY_FOR_PICKUP,
    "ready_to_pickup_from_pok": T.READY_FOR_PICKUP,
    "ready_to_pickup_from_pok_registered": T.READY_FOR_PICKUP,
    "ready_to_pickup_from_branch": T.READY_FOR_PICKUP,
    "pickup_reminder_sent": T.READY_FOR_PICKUP,
    "pickup_reminder_sent_address": T.READY_FOR_PICKUP,
    "stack_in_customer_service_point": T.READY_FOR_PICKUP,
    "stack_in_box_machine": T.READY_FOR_PICKUP,
    "unstack_from_customer_service_point": T.IN_TRANSIT,
    "unstack_from_box_machine": T.IN_TRANSIT,
    "courier_avizo_in_customer_service_point": T.READY_FOR_PICKUP,
    "taken_by_courier_from_customer_service_point": T.IN_TRANSIT,
    "avizo": T.READY_FOR_PICKUP,
    # delivered
    "delivered": T.DELIVERED,
    # exceptions
    "pickup_time_expired": T.EXCEPTION,
    "stack_parcel_pickup_time_expired": T.EXCEPTION,
    "stack_parcel_in_box_machine_pickup_time_expired": T.EXCEPTION,
    "delay_in_delivery": T.EXCEPTION,
    "oversized": T.EXCEPTION,
    "rejected_by_receiver": T.RETURNING,
    "undelivered": T.EXCEPTION,
    "undelivered_wrong_address": T.EXCEPTION,
    "undelivered_incomplete_address": T.EXCEPTION,
    "undelivered_unknown_receiver": T.EXCEPTION,
    "undelivered_cod_cash_receiver": T.EXCEPTION,
    "undelivered_no_mailbox": T.EXCEPTION,
    "undelivered_not_live_address": T.EXCEPTION,
    "undelivered_lack_of_access_letterbox": T.EXCEPTION,
    "missing": T.EXCEPTION,
    "claimed": T.EXCEPTION,
    "claim_created": T.EXCEPTION,
    "other": T.UNKNOWN,
    # returns and cancellation
    "returned_to_sender": T.RETURNED,
    "return_pickup_confirmation_to_sender": T.RETURNED,
    "canceled": T.CANCELLED,
}

#: Statuses that mean "something went wrong" (the delay message is due).
EXCEPTION_STATUSES = frozenset(k for k, v in SHIPX_STATUSES.items() if v is T.EXCEPTION)


def tracking_status(name: str) -> TrackingStatus:
    """The unified status of a ShipX status name (``UNKNOWN`` for a new name).

    >>> tracking_status("ready_to_pickup"), tracking_status("brand_new_status")
    (<TrackingStatus.READY_FOR_PICKUP: 'ready_for_pickup'>, <TrackingStatus.UNKNOWN: 'unknown'>)
    """
    return SHIPX_STATUSES.get(name, T.UNKNOWN)
