"""Articles' writes: revisions, slugs, the review rule, retire and restore, feedback, audit rows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.knowledge.exceptions import InvalidTransition, StaleArticle
from apps.knowledge.models import ArticleSlug, Feedback
from apps.knowledge.selectors import revision_diff
from apps.knowledge.services import (
    ArticleData,
    article_create,
    article_data_of,
    article_restore,
    article_retire,
    article_transition,
    article_update,
    feedback_give,
)

pytestmark = pytest.mark.django_db


def _edit(article, actor, **changes):
    data = article_data_of(article)
    for name, value in changes.items():
        setattr(data, name, value)
    return article_update(article=article, actor=actor, data=data, message="edit")


def test_create_renders_sanitized_html_and_records_revision_and_audit(agent, desk_team):
    data = ArticleData(title="Reset  your password", owner_team=desk_team, body_md="Hi <script>x</script> **now**")
    article = article_create(actor=agent, data=data)
    assert article.slug == "reset-your-password"
    assert article.title == "Reset your password"
    assert "<script>" not in article.body_html and "<strong>now</strong>" in article.body_html
    assert [r.number for r in article.revisions.all()] == [1]
    assert AuditEvent.objects.filter(target_id=str(article.pk), verb="knowledge.article.created").exists()


def test_end_users_and_other_teams_may_not_write_a_teams_article(owner, outsider, agent, desk_team):
    for person in (owner, outsider):
        with pytest.raises(ValidationError) as exc:
            article_create(actor=person, data=ArticleData(title="X", owner_team=desk_team))
        assert "owner_team" in exc.value.message_dict


def test_title_change_keeps_old_slug_as_redirect(make_article, agent):
    article = make_article(title="VPN setup", publish=False)
    article = _edit(article, agent, title="VPN set-up on macOS")
    assert article.slug == "vpn-set-up-on-macos"
    assert ArticleSlug.objects.filter(slug="vpn-setup", article=article).exists()
    article = _edit(article, agent, title="VPN setup")  # takes its old address back
    assert article.slug == "vpn-setup"
    assert not ArticleSlug.objects.filter(slug="vpn-setup").exists()


def test_same_title_gets_a_numbered_slug(make_article):
    assert make_article(publish=False).slug == "connect-to-the-vpn"
    assert make_article(publish=False).slug == "connect-to-the-vpn-2"


def test_publishing_needs_another_person_of_the_owner_team(make_article, agent, reviewer, outsider):
    article = make_article(publish=False)
    with pytest.raises(InvalidTransition):  # not straight from draft when the team requires review
        article_transition(article=article, to="published", actor=reviewer)
    article = article_transition(article=article, to="in_review", actor=agent)
    with pytest.raises(PermissionDenied):
        article_transition(article=article, to="published", actor=agent)  # the last author
    with pytest.raises(PermissionDenied):
        article_transition(article=article, to="published", actor=outsider)
    article = article_transition(article=article, to="published", actor=reviewer)
    assert article.state == "published" and article.published_at is not None


def test_without_review_policy_the_author_publishes(make_article, agent, no_review):
    article = make_article(publish=False)
    assert article_transition(article=article, to="published", actor=agent).state == "published"


def test_editing_a_published_article_sends_it_back_to_review(make_article, agent):
    article = make_article()
    article = _edit(article, agent, body_md="New text")
    assert article.state == "in_review"
    assert AuditEvent.objects.filter(target_id=str(article.pk), verb="knowledge.article.state").count() == 3


def test_stale_edit_is_refused(make_article, agent):
    article = make_article(publish=False)
    with pytest.raises(StaleArticle):
        article_update(article=article, actor=agent, data=article_data_of(article), version=article.version - 1)


def test_restore_makes_a_new_revision_and_diff_shows_changes(make_article, agent):
    article = make_article(publish=False, body_md="one\ntwo\n")
    article = _edit(article, agent, body_md="one\nthree\n")
    first, second = article.revisions.order_by("number")
    diff = revision_diff(first, second)
    assert ("removed", "two") in [(line.kind, line.text) for line in diff]
    assert ("added", "three") in [(line.kind, line.text) for line in diff]
    article = article_restore(article=article, revision=first, actor=agent)
    assert article.body_md == "one\ntwo\n"
    assert list(article.revisions.values_list("number", flat=True)) == [3, 2, 1]


def test_retire_links_the_replacement(make_article, agent):
    old, new = make_article(title="Old VPN"), make_article(title="New VPN")
    old = article_retire(article=old, actor=agent, replaced_by=new)
    assert old.state == "retired" and old.replaced_by == new
    with pytest.raises(ValidationError):
        article_retire(article=new, actor=agent, replaced_by=new)


def test_one_vote_per_person_per_revision(make_article, owner, agent):
    article = make_article()
    feedback_give(article=article, user=owner, helped=False, comment="Steps are wrong")
    with pytest.raises(ValidationError):
        feedback_give(article=article, user=owner, helped=True)
    _edit(article, agent, body_md="Fixed steps")
    article.refresh_from_db()
    feedback_give(article=article, user=owner, helped=True)  # a new revision: a new vote
    assert Feedback.objects.filter(user=owner).count() == 2


def test_a_title_without_latin_letters_still_gets_an_address(agent, desk_team):
    article = article_create(actor=agent, data=ArticleData(title="Настройка VPN", owner_team=desk_team))
    assert article.slug == "vpn"
    other = article_create(actor=agent, data=ArticleData(title="Привет", owner_team=desk_team))
    assert other.slug == "article"


def test_reserved_page_names_are_not_given_as_slugs(agent, desk_team):
    assert article_create(actor=agent, data=ArticleData(title="New", owner_team=desk_team)).slug == "new-2"
