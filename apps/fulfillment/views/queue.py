"""HTML views of the agent queue."""
