"""Celery tasks of change enablement: thin, id-based and idempotent; the work is in services."""

from celery import shared_task


@shared_task(acks_late=True)
def changes_run_backtest(*, backtest_id: int) -> None:
    """Replay one back-test; a second delivery of the same id finds it claimed and does nothing."""
    from apps.changes.services.backtest import backtest_run  # the service dispatches this task: a cycle

    backtest_run(backtest_id=backtest_id)


@shared_task
def changes_sweep_backtests() -> None:
    """Beat: back-tests whose message was lost or whose worker died are dispatched again."""
    from apps.changes.services.backtest import backtest_sweep

    backtest_sweep()
