"""Factories shared by every app's tests: people, teams, catalog items."""

import factory
from django.contrib.auth.models import Group

from apps.accounts.choices import Role
from apps.accounts.models import Membership, Team, User
from apps.catalog.models import CatalogItem, Category, Service

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=Role(role).value))

    @factory.post_generation
    def member_of(self, create: bool, extracted: list[Team] | None, **kwargs: object) -> None:
        for team in extracted or []:
            Membership.objects.get_or_create(user=self, team=team)
        if extracted and self.primary_team_id is None:
            self.primary_team = extracted[0]
            self.save(update_fields=["primary_team"])


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    owner_team = factory.SubFactory(TeamFactory)


class CatalogItemFactory(factory.django.DjangoModelFactory):
    """A published item; its form version is created by apps.catalog.services.item_publish_form."""

    class Meta:
        model = CatalogItem
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True  # item_publish_form saves the row itself

    service = factory.SubFactory(ServiceFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Item {n}")
    slug = factory.Sequence(lambda n: f"item-{n}")
    fulfilling_team = factory.SelfAttribute("service.owner_team")
    status = "published"
    form_definition = factory.LazyFunction(
        lambda: {"fields": [{"name": "reason", "label": "Reason", "type": "text", "required": True}]}
    )

    @factory.post_generation
    def publish_form(self, create: bool, extracted: object, **kwargs: object) -> None:
        from apps.catalog.services import item_publish_form

        if create:
            item_publish_form(item=self, definition=self.form_definition, actor=None)
