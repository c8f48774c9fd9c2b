"""Service requests: what a user asked for through a catalog item, and everything that happened to it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import Team
from apps.catalog.models import CatalogItem, FormVersion
from apps.core import numbers
from apps.fulfillment.choices import Priority, RequestStatus
from apps.fulfillment.querysets import ServiceRequestQuerySet

NUMBER_PREFIX = "SR-"


def format_number(pk: int) -> str:
    return numbers.format_number(NUMBER_PREFIX, pk)


def parse_number(number: str) -> int | None:
    """The primary key behind ``SR-000123`` (or ``123``); None when it is not a request number."""
    return numbers.parse_number(NUMBER_PREFIX, number)


class ServiceRequest(models.Model):
    """One request a user filed against a catalog item, with its answers and lifecycle."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests_filed")
    requested_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="requests_received"
    )
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="requests")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="requests")
    answers = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=200)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL, db_index=True)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="requests")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests_assigned"
    )
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="requests_watched")
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write; stale writes answer 409.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # SLA: derived from the recorded state changes by services.sla; stored so queues can filter and sort.
    due_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Empty while the clock is paused.")
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    approval_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("work_servicerequest", "Can work on the requests of their teams (agent)"),
            ("approve_servicerequest", "Can approve requests (manager / approver)"),
        ]
        indexes = [
            models.Index(fields=["team", "status", "-created_at"], name="fulfil_req_team_status_idx"),
            models.Index(fields=["requester", "-created_at"], name="fulfil_req_requester_idx"),
            models.Index(fields=["status", "fulfilled_at"], name="fulfil_req_autoclose_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("fulfillment:request-detail", args=[self.number])

    @property
    def number(self) -> str:
        return format_number(self.pk)


class Comment(models.Model):
    """A message on a request; internal ones are seen by the fulfilling team only."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="%(app_label)s_%(class)s_body_not_empty")]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.request.number}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.request_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a request, served only to those who may see the request."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class SavedFilter(models.Model):
    """An agent's named queue filter: the query string of the queue page, kept for one click."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="%(app_label)s_%(class)s_unique_name")]

    def __str__(self) -> str:
        return self.name


class CannedReply(models.Model):
    """A ready-made answer a team's agents insert into a comment."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="canned_replies")
    title = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "title"]
        verbose_name_plural = "canned replies"
        constraints = [models.UniqueConstraint(fields=["team", "title"], name="%(app_label)s_%(class)s_unique_title")]

    def __str__(self) -> str:
        return self.title
