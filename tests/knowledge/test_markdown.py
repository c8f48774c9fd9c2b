"""Sanitization against an XSS corpus: nothing executable survives, checked by parsing the output."""

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.knowledge.markdown import plain_text, render

CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<p <script>alert(1)</script>>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)</script>-->",
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    "[ref]\n\n[ref]: javascript:alert(1)",
    '<https://ok.example/" onclick="alert(1)>',
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "# <img src=x onerror=alert(1)>",
    "- [ ] <script>alert(1)</script>",
    '<input type="text" onfocus="alert(1)" autofocus>',
    '<a href="vbscript:msgbox(1)">x</a>',
]

DANGEROUS_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "button", "body", "details"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def parsed(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def assert_inert(html: str) -> None:
    for tag, attrs in parsed(html):
        assert tag not in DANGEROUS_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in URL_ATTRIBUTES:
                scheme = (value or "").strip().lower().split(":", 1)[0]
                assert ":" not in (value or "") or scheme in {"http", "https", "mailto"}, html
        if tag == "input":
            assert dict(attrs).get("type") == "checkbox", html


@pytest.mark.parametrize("payload", CORPUS)
def test_nothing_executable_survives(payload):
    assert_inert(render(payload))


@given(st.text(alphabet=st.sampled_from(list("<>\"'=/:;&#()[]!` \nabcjsvgonerrorscriptjavahref")), max_size=80))
def test_random_markup_stays_inert(text):
    assert_inert(render(text))


def test_markdown_features_render():
    html = render("# Set up\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n```\ncode\n```\n\n~~old~~")
    assert '<h1 id="h-set-up">Set up</h1>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<input type="checkbox" disabled="disabled" checked' in html
    assert "<pre><code>code\n</code></pre>" in html
    assert "<s>old</s>" in html or "<del>old</del>" in html


def test_links_keep_http_and_get_rel():
    html = render("[docs](https://docs.example/vpn)")
    assert 'href="https://docs.example/vpn"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_plain_text_has_the_words_only():
    assert plain_text(render("**Bold** & <b>raw</b>")) == "Bold & <b>raw</b>"
