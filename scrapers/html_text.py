"""HTML to plain text for statements: paragraphs, lists, code blocks, and maths kept as ``$...$``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

from scrapers.robots import page_noai
from scrapers.types import Page, ParseError, Reason

# html.parser is the stdlib parser: pure Python, the same tree on every machine, no build step.
PARSER = "html.parser"
BLOCK_TAGS = frozenset({
    "p", "div", "section", "ul", "ol", "table", "tr", "blockquote", "center", "hr", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "figure", "details", "summary", "form",
})
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "button", "template"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_CF_DISPLAY_MATH = re.compile(r"\${6}(.+?)\${6}", re.S)
_CF_INLINE_MATH = re.compile(r"\${3}(.+?)\${3}", re.S)


def soup_of(text: str) -> BeautifulSoup:
    """Parse a page."""
    return BeautifulSoup(text, PARSER)


def looks_truncated(text: str) -> bool:
    """Whether an HTML document stops before its closing ``</html>`` (a cut-off transfer or save)."""
    return "</html>" not in text[-4096:].lower()


def codeforces_math(text: str) -> str:
    """Codeforces writes maths as ``$$$x$$$`` (inline) and ``$$$$$$x$$$$$$`` (display): make it TeX's."""
    return _CF_INLINE_MATH.sub(r"$\1$", _CF_DISPLAY_MATH.sub(r"$$\1$$", text))


def pre_text(pre: Tag) -> str:
    """A ``<pre>``'s text with one line per ``<br>`` or per ``div.test-example-line``, ending in a newline.

    Blank lines at the start (HTML drops the newline after ``<pre>``) go; blank lines at the end stay
    but one: an input such as ``1 0`` followed by an empty array line needs that line for ``input()``.
    """
    line_divs = pre.select("div[class*=test-example-line]")
    if line_divs:
        lines = [div.get_text() for div in line_divs]
    else:
        parts: list[str] = []
        for node in pre.descendants:
            if isinstance(node, Tag) and node.name == "br":
                parts.append("\n")
            elif isinstance(node, NavigableString) and not isinstance(node, Comment):
                parts.append(str(node))
        lines = "".join(parts).replace("\r\n", "\n").split("\n")
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0]:
        lines.pop(0)
    if lines and not lines[-1]:
        lines.pop()  # the newline that ends the last line
    text = "\n".join(lines)
    return text + "\n" if text.strip() else ""


class _Renderer:
    """Walks a subtree and collects paragraphs; inline whitespace collapses as a browser's would."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, bool]] = []  # (text, is a list item)
        self.inline: list[str] = []

    def flush(self, item: bool = False) -> None:
        lines = [_SPACES.sub(" ", line).strip() for line in "".join(self.inline).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text and text != "-":
            self.blocks.append((text, item))
        self.inline.clear()

    def text(self) -> str:
        """The paragraphs joined: a blank line between blocks, none between items of one list."""
        out = ""
        previous_item = False
        for text, item in self.blocks:
            if out:
                out += "\n" if item and previous_item else "\n\n"
            out += text
            previous_item = item
        return out

    def walk(self, node: object) -> None:
        if isinstance(node, (Comment, Doctype)):
            return
        if isinstance(node, NavigableString):
            self.inline.append(str(node).replace("\n", " "))
            return
        if not isinstance(node, Tag) or node.name in SKIPPED_TAGS:
            return
        name = node.name
        if name == "br":
            self.inline.append("\n")
        elif name == "pre":
            self.flush()
            self.blocks.append(("```\n" + pre_text(node) + "```", False))
        elif name == "var":  # AtCoder's maths
            self.inline.append(f"${node.get_text().strip()}$")
        elif name in ("sup", "sub"):  # older Codeforces pages: 10<sup class="upper-index">-6</sup>
            self.inline.append("^{" if name == "sup" else "_{")
            self.children(node)
            self.inline.append("}")
        elif name == "img":
            self.inline.append(f"[image: {node.get('alt') or node.get('src', '')}]")
        elif name == "li":
            self.flush()
            self.inline.append("- ")
            self.children(node)
            self.flush(item=True)
        elif name in ("td", "th"):
            self.children(node)
            self.inline.append(" | ")
        elif name in BLOCK_TAGS:
            self.flush()
            self.children(node)
            self.flush()
        else:
            self.children(node)

    def children(self, node: Tag) -> None:
        for child in node.children:
            self.walk(child)


def block_text(node: Tag | None, skip: Iterable[Tag | None] = ()) -> str:
    """A subtree as text: paragraphs separated by a blank line, lists as ``- item``, ``pre`` fenced.

    Direct children listed in ``skip`` (a section's own heading, say) are left out.
    """
    if node is None:
        return ""
    skipped = [tag for tag in skip if tag is not None]
    renderer = _Renderer()
    for child in node.children:
        if not any(child is tag for tag in skipped):
            renderer.walk(child)
    renderer.flush()
    return renderer.text()


def submission_source(page: Page, selector: str) -> tuple[str, bool]:
    """The source code in ``selector`` on a submission page and whether the page says ``noai``; raises ParseError."""
    if looks_truncated(page.text):
        raise ParseError(Reason.TRUNCATED_HTML, page.url, "no closing </html>")
    soup = soup_of(page.text)
    pre = soup.select_one(selector)
    if pre is None or not pre.get_text().strip():
        raise ParseError(Reason.NO_SOURCE, page.url, f"no {selector}")
    return pre.get_text().replace("\r\n", "\n"), page_noai(page, soup)
