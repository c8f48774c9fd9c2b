"""Celery tasks of fulfillment: automation."""
