"""Celery tasks of fulfillment: sla."""
