"""HTML views of the approver's inbox."""
