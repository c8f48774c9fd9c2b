"""Writes of the approver's inbox: decisions, bulk decisions, reminders."""
