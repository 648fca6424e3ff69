"""HTML sanitising and HTML-to-text conversion."""
import pytest

from services.ingest.domain.mail_html import html_to_text, sanitize_html


@pytest.mark.parametrize(
    "markup, forbidden",
    [
        ("<p>a</p><script>alert(1)</script>", "alert"),
        ("<style>body{display:none}</style><p>a</p>", "display"),
        ('<iframe src="https://evil.example"></iframe><p>a</p>', "iframe"),
        ('<object data="x.swf"></object><embed src="y"><p>a</p>', "swf"),
        ('<p onclick="steal()" onmouseover="x()">a</p>', "steal"),
        ('<a href="javascript:alert(1)">a</a>', "javascript"),
        ('<a href="JaVaScRiPt:alert(1)">a</a>', "alert"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">a</a>', "data:"),
        ('<form action="https://evil.example"><input name="p"></form>', "<input"),
    ],
)
def test_dangerous_markup_is_removed(markup, forbidden):
    cleaned = sanitize_html(markup)
    assert forbidden.lower() not in cleaned.lower()


def test_remote_images_keep_their_url_only_in_data_remote_src():
    cleaned = sanitize_html('<img src="https://t.example/p.gif?a=1&amp;b=2" alt="x">')
    assert cleaned == '<img data-remote-src="https://t.example/p.gif?a=1&amp;b=2" alt="x">'


def test_protocol_relative_image_is_treated_as_remote():
    assert sanitize_html('<img src="//t.example/p.gif">') == '<img data-remote-src="//t.example/p.gif">'


def test_cid_images_stay_loadable():
    assert sanitize_html('<img src="cid:logo@x">') == '<img src="cid:logo@x">'


def test_attribute_containing_angle_bracket_cannot_hide_a_remote_src():
    cleaned = sanitize_html('<img alt="a>b" src="http://t.example/p.gif">')
    assert 'data-remote-src="http://t.example/p.gif"' in cleaned
    assert ' src=' not in cleaned


def test_safe_formatting_and_links_survive_with_turkish_text():
    cleaned = sanitize_html('<p>Sayın <b>müşterimiz</b>, <a href="https://x.example/ş">tıklayın</a></p>')
    assert cleaned.startswith("<p>Sayın <b>müşterimiz</b>, <a href=")
    assert 'rel="noopener noreferrer nofollow"' in cleaned
    assert "tıklayın</a></p>" in cleaned


def test_html_to_text_keeps_paragraphs_lines_and_lists():
    text = html_to_text("<p>Bir</p><p>İki<br>Üç</p><ul><li>şu</li><li>bu</li></ul>")
    assert text == "Bir\n\nİki\nÜç\n\n- şu\n- bu"


def test_html_to_text_drops_head_script_and_style():
    text = html_to_text("<html><head><title>T</title><style>p{}</style></head>"
                        "<body><script>x()</script><p>gövde</p></body></html>")
    assert text == "gövde"


def test_html_to_text_quotes_blockquotes_with_angle_brackets():
    text = html_to_text("<div>Yeni</div><blockquote><p>Eski</p><blockquote>Daha eski</blockquote></blockquote>")
    assert text == "Yeni\n\n> Eski\n>\n> > Daha eski"


def test_html_to_text_decodes_entities_and_collapses_whitespace():
    assert html_to_text("<p>a&nbsp;&amp;   b\n\n c &#351;</p>") == "a & b c ş"


def test_html_to_text_shows_hidden_link_targets():
    assert html_to_text('<a href="https://x.example/r">buraya</a>') == "buraya <https://x.example/r>"
    assert html_to_text('<a href="https://x.example">https://x.example</a>') == "https://x.example"


def test_html_to_text_survives_broken_markup():
    text = html_to_text("<p>a<div><<b>b</p></td></table>&bogus;<!--")
    assert text.startswith("a\n<b\n\n&bogus;")


def test_html_to_text_turns_double_br_into_one_blank_line():
    assert html_to_text("düz metin<br><br><br>son") == "düz metin\n\nson"


def test_html_to_text_keeps_preformatted_indentation():
    assert html_to_text("<pre>  kod\n\n    girinti</pre><p>x</p>") == "  kod\n\n    girinti\n\nx"


def test_embedded_raster_image_data_urls_are_kept():
    markup = '<img src="data:image/png;base64,iVBORw0KGgo=">'
    assert sanitize_html(markup) == markup


@pytest.mark.parametrize("markup", [
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<img src="data:text/html,<script>alert(1)</script>">',
    '<a href="DATA:image/png;base64,AAAA">x</a>',
])
def test_other_data_urls_are_dropped(markup):
    assert "data:" not in sanitize_html(markup).lower()
