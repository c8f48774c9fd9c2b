"""Factories of the changes tests. Changes made here skip the services: use them for reads and gates."""

import datetime as dt

import factory
from django.utils import timezone

from apps.changes.models import Change, Environment, PolicyRule, RiskPolicy, Window
from tests.factories import UserFactory


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Environment
        django_get_or_create = ("slug",)

    name = factory.LazyAttribute(lambda e: e.slug.title())
    slug = factory.Sequence(lambda n: f"env-{n}")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window
        skip_postgeneration_save = True

    kind = "freeze"
    title = factory.Sequence(lambda n: f"Window {n}")
    all_services = True
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1))

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)

    @factory.post_generation
    def environments(self, create, extracted, **kwargs):
        if create and extracted:
            self.environments.set(extracted)


class RiskPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskPolicy

    name = "Test policy"
    version = factory.Sequence(lambda n: n + 1)
    is_active = True


class PolicyRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyRule

    policy = factory.SubFactory(RiskPolicyFactory)
    name = factory.Sequence(lambda n: f"rule {n}")
    expression = "is_production"
    weight = 10


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Change
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Change {n}")
    environment = factory.SubFactory(EnvironmentFactory)
    requester = factory.SubFactory(UserFactory)
    planned_start = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    planned_end = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1))

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)
