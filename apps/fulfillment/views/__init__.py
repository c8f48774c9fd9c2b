"""HTML views of service requests: one module per page family (requests, queue); approvals are apps.approvals."""
