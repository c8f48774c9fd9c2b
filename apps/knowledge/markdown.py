"""Markdown to safe HTML: CommonMark with tables, strikethrough and task lists, then an nh3 allow-list.

Raw HTML in the Markdown is not parsed (it comes out as text), and whatever the renderer produces still
passes nh3: no script or style, no event handlers, no style attributes, links and images only to http(s)
(and mailto for links). Headings get ids (prefixed, so an article cannot clobber the page's own ids).
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

HEADING_ID_PREFIX = "h-"
TASK = re.compile(r"^\[([ xX])\]\s+")
TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre"),
    *("blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "input"),
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "input": {"type", "checked", "disabled"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _heading_ids(state: StateCore) -> None:
    """``id="h-<slug>"`` on every heading, numbered when two headings share a title."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = slugify(tokens[index + 1].content)[:60] or "section"
        seen[base] = seen.get(base, 0) + 1
        token.attrSet("id", HEADING_ID_PREFIX + (base if seen[base] == 1 else f"{base}-{seen[base]}"))


def _task_lists(state: StateCore) -> None:
    """``- [ ] item`` / ``- [x] item`` become disabled checkboxes (GitHub's task lists)."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline" or index < 2 or tokens[index - 2].type != "list_item_open":
            continue
        children = token.children or []
        first = children[0] if children else None
        match = TASK.match(first.content) if first is not None and first.type == "text" else None
        if first is None or match is None:
            continue
        first.content = first.content[match.end() :]
        box = Token("html_inline", "", 0)
        checked = " checked" if match.group(1) in "xX" else ""
        box.content = f'<input type="checkbox" disabled{checked}> '
        children.insert(0, box)


def _parser() -> MarkdownIt:
    # "html": False: raw HTML is shown as text. The renderer still emits our own html_inline tokens.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
    md.core.ruler.push("heading_ids", _heading_ids)
    md.core.ruler.push("task_lists", _task_lists)
    return md


_MD = _parser()


def sanitize(dirty: str) -> str:
    """The allow-list every article's HTML passes, whatever produced it."""
    return nh3.clean(
        dirty,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        set_tag_attribute_values={"input": {"type": "checkbox", "disabled": "disabled"}},
    )


def render(markdown: str) -> str:
    """Safe HTML for ``markdown``."""
    return sanitize(_MD.render(markdown))


def plain_text(safe_html: str) -> str:
    """The words of rendered HTML, whitespace collapsed: what search indexes and snippets quote."""
    text = html.unescape(nh3.clean(safe_html, tags=set(), attributes={}))
    return " ".join(text.split())


def render_all(markdown: str) -> dict[str, Any]:
    body_html = render(markdown)
    return {"body_html": body_html, "body_text": plain_text(body_html)}
