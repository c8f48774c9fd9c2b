"""Errors the knowledge services raise; views and the API turn them into 400 and 409 answers."""

from apps.knowledge.choices import ArticleState


def state_label(state: str) -> str:
    return str(ArticleState(state).label) if state in ArticleState.values else repr(state)


class InvalidTransition(Exception):
    """The lifecycle (choices.TRANSITIONS) does not allow this move from the current state."""

    def __init__(self, current: str, to: str) -> None:
        self.current, self.to = current, to
        if to not in ArticleState.values:
            self.message = f"{to!r} is not an article state; choose one of: {', '.join(ArticleState.values)}."
        else:
            self.message = f"An article that is “{state_label(current)}” cannot move to “{state_label(to)}”."
        super().__init__(self.message)


class StaleArticle(Exception):
    """The article moved on since the caller read it: nothing was written."""

    message = "This article was changed by someone else since you loaded it; nothing was changed. Reload and retry."
