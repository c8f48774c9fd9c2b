"""Writes of the agent queue: bulk actions, saved filters, canned replies."""
