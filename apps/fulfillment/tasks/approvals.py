"""Celery tasks of fulfillment: approvals."""
