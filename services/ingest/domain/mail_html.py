"""Sanitising of mail HTML and conversion of HTML to readable plain text."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

# cid: must survive so inline images can be resolved later; data: is let
# through here only to be narrowed to embedded raster images below;
# javascript: and everything else not in nh3's list is dropped.
_URL_SCHEMES = set(nh3.ALLOWED_URL_SCHEMES) | {"cid", "data"}
_DATA_IMAGE = re.compile(r"^\s*data:image/(png|jpeg|jpg|gif|webp|bmp);", re.IGNORECASE)
# These carry no readable content; nh3 removes them together with their text.
_DROP_WITH_CONTENT = {"script", "style", "title", "head", "noscript", "template"}
_VOID = {"br", "hr", "img", "wbr", "col", "area"}
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


def sanitize_html(markup: str) -> str:
    """Return safe HTML: nh3 whitelist cleaning, then remote images disarmed."""
    cleaned = nh3.clean(
        markup,
        clean_content_tags=_DROP_WITH_CONTENT,
        url_schemes=_URL_SCHEMES,
        attribute_filter=_only_image_data_urls,
        link_rel="noopener noreferrer nofollow",
    )
    rewriter = _RemoteImageRewriter()
    rewriter.feed(cleaned)
    rewriter.close()
    return "".join(rewriter.out)


def _only_image_data_urls(tag: str, attribute: str, value: str) -> str | None:
    """Drop data: URLs except embedded images (a data: link can carry a phishing page)."""
    if not value.lstrip().lower().startswith("data:"):
        return value
    return value if tag == "img" and attribute == "src" and _DATA_IMAGE.match(value) else None


class _RemoteImageRewriter(HTMLParser):
    """Re-serialises nh3 output, moving remote <img src> into data-remote-src.

    Runs after nh3 because its output is canonical, so this parser and a
    browser agree on where every attribute is; a regex could be fooled.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs))

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(html.escape(data, quote=False))

    @staticmethod
    def _tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
        parts = [tag]
        for name, value in attrs:
            value = value or ""
            if tag == "img" and name == "src" and _REMOTE.match(value):
                # Loading a remote image tells the sender the mail was read.
                name = "data-remote-src"
            parts.append(f'{name}="{html.escape(value, quote=True)}"')
        return "<" + " ".join(parts) + ">"


# Tags that end a line, and those that also leave a blank line around them.
_LINE = {"br", "div", "tr", "li", "dt", "dd", "section", "article", "header",
         "footer", "address", "center", "form", "fieldset", "caption"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
              "hr", "ul", "ol", "dl", "table"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}


def html_to_text(markup: str) -> str:
    """Convert HTML to plain text; blockquotes become "> " quoted lines."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser is lenient, but never let HTML kill a mail
        pass
    parser.flush()
    return "\n".join(
        (("> " * depth) + text).rstrip() for depth, text in parser.lines
    ).strip("\n")


class _TextExtractor(HTMLParser):
    """Collects (blockquote depth, text) lines; blank lines only between content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.current: list[str] = []
        self.want_blank = False
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0
        self.href: str | None = None
        self.link_text: list[str] = []

    def flush(self, paragraph: bool = False) -> None:
        joined = "".join(self.current)
        line = joined.rstrip() if self.pre_depth else joined.strip(" ")
        self.current = []
        if line or (self.pre_depth and self.lines):
            if self.want_blank and self.lines and self.lines[-1][1]:
                self.lines.append((min(self.lines[-1][0], self.quote_depth), ""))
            self.lines.append((self.quote_depth, line))
            self.want_blank = False
        self.want_blank = self.want_blank or paragraph

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "br" and not "".join(self.current).strip():
            self.want_blank = True  # <br><br> is how mailers write a blank line
        elif tag in _LINE or tag in _PARAGRAPH:
            self.flush(paragraph=tag in _PARAGRAPH)
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag == "li":
            self.current.append("- ")
        elif tag == "a":
            self.href, self.link_text = dict(attrs).get("href"), []
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _LINE or tag in _PARAGRAPH:
            self.flush(paragraph=tag in _PARAGRAPH)
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        elif tag == "a":
            self._end_link()
    def _end_link(self) -> None:
        href, text = self.href or "", "".join(self.link_text).strip()
        # Show where a link goes when its text hides it (phishing, "click here").
        if href.lower().startswith(("http:", "https:")) and href not in text:
            self.current.append(f" <{href}>")
        self.href = None

    def handle_data(self, data):
        if self.skip_depth:
            return
        data = data.replace("\xa0", " ")
        if self.pre_depth:
            chunks = data.split("\n")
            for chunk in chunks[:-1]:
                self.current.append(chunk)
                self.flush()
            data = chunks[-1]
        else:
            data = re.sub(r"\s+", " ", data)
            if not self.current or self.current[-1].endswith(" "):
                data = data.lstrip(" ")
        if data:
            self.current.append(data)
        if self.href is not None:
            self.link_text.append(data)
