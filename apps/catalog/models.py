"""The service catalog: services and the request types (catalog items) users file against them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import Team
from apps.automation.registry import action_validate
from apps.catalog.choices import ApprovalRule, Audience, Criticality, FulfilmentMode, ItemStatus, ServiceStatus
from apps.catalog.formdefs import validate_definition
from apps.catalog.querysets import CatalogItemQuerySet, ServiceQuerySet


def check_automation(action: str, definition: dict, config: object) -> dict:
    """The item's normalised automation config; ValidationError keyed ``automation_action``/``automation_config``
    when the action is unknown, the form lacks a field the action needs (named), or the config does not fit."""
    fields = {field["name"]: field for field in definition.get("fields", [])}
    return action_validate(action=action.strip(), fields=fields, config=config)


def empty_form() -> dict:
    return {"fields": []}


def plain_number(value: Decimal | float | int) -> str:
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class Category(models.Model):
    """A shelf of the catalog that users browse by (Access, Hardware, Software...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category-detail", args=[self.slug])


class Service(models.Model):
    """A service the organisation runs, owned by a team, with a service-level objective."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="owned_services")
    criticality = models.CharField(
        max_length=16, choices=Criticality.choices, default=Criticality.MEDIUM, db_index=True
    )
    status = models.CharField(
        max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.OPERATIONAL, db_index=True
    )
    tags = models.JSONField(default=list, blank=True)
    slo_target = models.DecimalField(
        max_digits=6, decimal_places=3, default=99.9, help_text="Availability objective, in percent."
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slo_target__gt=0) & Q(slo_target__lte=100), name="%(app_label)s_%(class)s_slo_range"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:service-detail", args=[self.slug])

    @property
    def slo_display(self) -> str:
        """The SLO target without trailing zeros: "99.9", "99.95"."""
        return plain_number(self.slo_target)


class CatalogItem(models.Model):
    """A request type: what a user can ask for, through its own form, and how it gets done."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="items")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.CharField(max_length=240, blank=True)
    description = models.TextField(blank=True)
    fulfilling_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="fulfilled_items")
    approval_rule = models.CharField(max_length=24, choices=ApprovalRule.choices, default=ApprovalRule.NONE)
    approval_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="approved_items"
    )
    fulfilment_mode = models.CharField(max_length=16, choices=FulfilmentMode.choices, default=FulfilmentMode.MANUAL)
    automation_action = models.CharField(
        max_length=64, blank=True, help_text="Name of the automation action (automated items only)."
    )
    automation_config = models.JSONField(
        default=dict,
        blank=True,
        help_text='The action\'s settings as JSON, e.g. {"endpoint": "<HTTP endpoint slug>"} for "http".',
    )
    delivery_target_hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=8, help_text="Delivery target, in the fulfilling team's business hours."
    )
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    audience_teams = models.ManyToManyField(Team, blank=True, related_name="visible_items")
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.DRAFT, db_index=True)
    form_definition = models.JSONField(
        default=empty_form, blank=True, help_text="The request form, as data; see apps/catalog/formdefs.py."
    )
    current_form = models.ForeignKey(
        "FormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("manage_catalog", "Can manage the catalog: services, items and request forms")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(approval_rule=ApprovalRule.TEAM) | Q(approval_team__isnull=False),
                name="%(app_label)s_%(class)s_team_approval_names_team",
            ),
            models.CheckConstraint(
                condition=~Q(fulfilment_mode=FulfilmentMode.AUTOMATED) | ~Q(automation_action=""),
                name="%(app_label)s_%(class)s_automated_names_action",
            ),
            models.CheckConstraint(
                condition=Q(delivery_target_hours__gt=0), name="%(app_label)s_%(class)s_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:item-detail", args=[self.slug])

    def clean(self) -> None:
        """Refuse a form that cannot render or validate, and approval/fulfilment settings that contradict."""
        errors: dict[str, list[str]] = {}
        try:
            self.form_definition = validate_definition(self.form_definition)
        except ValidationError as exc:
            errors["form_definition"] = exc.messages
        if self.approval_rule == ApprovalRule.TEAM and self.approval_team_id is None:
            errors["approval_team"] = ["Name the team that approves this item."]
        if self.fulfilment_mode == FulfilmentMode.AUTOMATED and not self.automation_action.strip():
            errors["automation_action"] = ["Name the automation action that fulfils this item."]
        elif self.fulfilment_mode == FulfilmentMode.AUTOMATED and "form_definition" not in errors:
            try:
                self.automation_config = check_automation(
                    self.automation_action, self.form_definition, self.automation_config
                )
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)

    @property
    def delivery_target_display(self) -> str:
        """The delivery target in hours without trailing zeros: "4", "1.5"."""
        return plain_number(self.delivery_target_hours)

    @property
    def needs_approval(self) -> bool:
        return self.approval_rule != ApprovalRule.NONE


class FormVersion(models.Model):
    """One frozen version of an item's request form; a request keeps the version it was filed with."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="%(app_label)s_%(class)s_unique_number")]

    def __str__(self) -> str:
        return f"{self.item} form v{self.number}"
