"""Service requests for tests, created in any status without going through the lifecycle."""

import factory
from django.utils import timezone

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest
from tests.factories import CatalogItemFactory, UserFactory


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    requester = factory.SubFactory(UserFactory)
    item = factory.SubFactory(CatalogItemFactory)
    form_version = factory.LazyAttribute(lambda o: o.item.current_form)
    answers = factory.LazyFunction(lambda: {"reason": "Need access to the build logs"})
    subject = factory.LazyAttribute(lambda o: f"{o.item.name}: {o.answers.get('reason', '')}"[:200])
    team = factory.LazyAttribute(lambda o: o.item.fulfilling_team)
    status = RequestStatus.NEW
    fulfilled_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status in (RequestStatus.FULFILLED, RequestStatus.CLOSED) else None
    )


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    request = factory.SubFactory(ServiceRequestFactory)
    author = factory.LazyAttribute(lambda o: o.request.requester)
    body = "A comment"
