"""The worker runs the returns desk: its tracking task reads return parcels, its report counts RMAs."""

from __future__ import annotations

from ecomflow.orchestration import WorkerSettings
from ecomflow.returns import ReturnReason, RmaStatus
from ecomflow.shipping import TrackingStatus
from ecomflow.worker import Worker, daily_report_of

from .test_desk import delivered


def test_the_tracking_task_receives_return_parcels(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    rma = desk.request(order_id, {"MUG-RED": 1}, ReturnReason.WRONG_SIZE, key="form-w1")
    shop.orchestrator.dispatch()
    shop.orchestrator.dispatch()
    labelled = desk.rma(rma.number)
    assert labelled.return_shipment_id is not None
    shop.inpost.advance(labelled.return_shipment_id, TrackingStatus.DELIVERED)

    worker = Worker(shop.orchestrator, WorkerSettings(), monotonic=lambda: 0.0)
    assert "tracking" in worker.run_once()
    received = desk.rma(rma.number)
    assert received.status is RmaStatus.RECEIVED
    assert shop.orchestrator.ledger.level("MUG-RED").quarantined == 1

    report = daily_report_of(shop.orchestrator)
    assert report["extra"]["RMAs by status"] == {"received": 1}
    assert report["extra"]["refunded"] == {}
    desk.verify(rma.number)
    desk.refund(rma.number)
    report = daily_report_of(shop.orchestrator)
    assert report["extra"]["RMAs by status"] == {"refunded": 1}
    assert report["extra"]["refunded"] == {"PLN": "50.00"}
    assert report["extra"]["RMAs closed without support"] == 1.0
    assert shop.orchestrator.status()["returns"] == {"refunded": 1}
