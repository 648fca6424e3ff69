"""The web console in a real browser: a customer's mail as an agent reads it (its new part, history,
files, formatted view, what reading it guessed and the mail as it came), held mail released, an agent writing to a customer first and then with a
file, and an owner connecting a department's mailbox.

Chromium (Debian's package, installed by the test setup if missing) runs
headless against every service and the gateway started as processes. Its
clock is the machine's (UTC), so times shown in Istanbul prove the console
converts them.
"""
from __future__ import annotations

import base64
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.browser import headless_chromium
from tests.support.dovecot import DovecotServer
from tests.support.waiting import eventually
from tests.test_end_to_end import Api, post_mail

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WAIT = 30  # seconds for what the page or the bus shows a moment later (generous: CI runs parts side by side)
ATTACHMENT_LIMIT = 1024 * 1024
INVOICE = b"%PDF-1.4\n% Kas\xc4\xb1m faturas\xc4\xb1\n" + bytes(range(256)) * 10
NEW_PART = "Faturayı ekledim, kontrol eder misiniz?"
QUOTED = "Faturanızı bu e-postaya yanıt olarak gönderir misiniz?"


@pytest.fixture(scope="module")
def system_settings():
    # A small attachment limit and a low sender rate limit, to see what the console shows of both.
    # Ingest looks for changed mailbox settings every second instead of every minute.
    return {"MAX_ATTACHMENT_BYTES": str(ATTACHMENT_LIMIT), "SENDER_RATE_LIMIT": "2", "IMAP_REFRESH_SECONDS": "1"}


@pytest.fixture
def browser(tmp_path):
    with headless_chromium(tmp_path) as driver:
        yield driver


def sign_in(browser, system, email: str, password: str = "destek-demo") -> None:
    """Sign in on the console's own page; with a wrong password, wait for the refusal instead."""
    browser.get(f"http://127.0.0.1:{system.port('gateway')}/")
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "login-view").is_displayed())
    form = browser.find_element(By.ID, "login-form")
    form.find_element(By.NAME, "email").send_keys(email)
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    if password == "destek-demo":
        WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "list-view").is_displayed())
    else:
        WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "login-error").text)


def mail_with_invoice() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Ayşe Yılmaz <ayse@musteri.com.tr>"
    mail["Reply-To"] = "Ayşe Yılmaz <ayse.yilmaz@ev.example>"  # where she wants answers
    mail["To"] = "destek@example.com"
    mail["Cc"] = "Muhasebe <muhasebe@musteri.com.tr>"
    mail["Subject"] = "Kasım faturası"
    mail["Message-ID"] = "<konsol-fatura@musteri.com.tr>"
    mail.set_content(f"{NEW_PART}\n\nAyşe\n\n"
                     f"12 Kas 2026 Per, 10:00 tarihinde Destek <destek@example.com> şunu yazdı:\n> {QUOTED}\n")
    mail.add_attachment(INVOICE, maintype="application", subtype="pdf", filename="Kasım faturası.pdf")
    mail.add_attachment(b"\0" * (ATTACHMENT_LIMIT + 1), maintype="application", subtype="zip",
                        filename="arşiv.zip")
    return bytes(mail)


def acknowledged_thread(api, number: str) -> list[dict] | None:
    """The ticket's messages once the acknowledgement to the customer has gone out."""
    messages = api.get(f"/tickets/{number}").json()["messages"]
    sent = any(m["direction"] == "outbound" and m["delivery_status"] == "sent" for m in messages)
    return messages if sent else None


def open_ticket(browser, number: str):
    """Click the ticket's row in the list; its first inbound thread entry once shown."""
    row = WebDriverWait(browser, WAIT).until(
        lambda b: next((r for r in b.find_elements(By.CSS_SELECTOR, "#ticket-rows tr") if f"#{number}" in r.text),
                       None))
    row.click()
    return WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.CSS_SELECTOR, "#thread > li.inbound"))


def test_an_agent_reads_the_new_part_of_a_mail_opens_its_history_and_downloads_its_invoice(
        system, browser, tmp_path):
    number = post_mail(system, mail_with_invoice()).json()["ticket_number"]
    api = Api(system, "manager@example.com")
    thread = eventually(lambda: acknowledged_thread(api, number), timeout=WAIT)
    assert thread, "the acknowledgement was not sent"
    created = thread[0]["created_at"]
    sign_in(browser, system, "manager@example.com")
    entry = open_ticket(browser, number)

    body = entry.find_element(By.CSS_SELECTOR, ".body")
    assert body.text.strip() == f"{NEW_PART}\n\nAyşe"  # what she wrote now, without the quote
    history = entry.find_element(By.CSS_SELECTOR, "details.quoted")
    assert history.text.strip() == "Alıntılanan geçmişle birlikte tüm e-posta" and QUOTED not in entry.text
    history.find_element(By.TAG_NAME, "summary").click()
    assert QUOTED in history.text  # kept, one click away

    shown_at = datetime.fromisoformat(created).astimezone(ZoneInfo("Europe/Istanbul")).strftime("%H:%M")
    meta = entry.find_element(By.CSS_SELECTOR, ".meta").text
    assert shown_at in meta and "yanıtlar şu adrese: ayse.yilmaz@ev.example" in meta
    assert "bilgi: muhasebe@musteri.com.tr" in meta

    acknowledgement = browser.find_element(By.CSS_SELECTOR, "#thread > li.outbound .meta").text
    assert acknowledgement.startswith("Yanıt · ") and acknowledgement.endswith(" · gönderildi · otomatik e-posta")

    files = entry.find_elements(By.CSS_SELECTOR, "ul.attachments li")
    assert [f.text for f in files] == [
        "Kasım faturası.pdf (2,5 KB)",
        "arşiv.zip (1 MB) — ek boyut sınırını aştığı için kaydedilmedi",
    ]
    assert files[1].get_attribute("title") == "larger than the 1 MB limit"  # the server's exact words
    files[0].find_element(By.TAG_NAME, "button").click()
    downloaded = tmp_path / "Kasım faturası.pdf"
    assert eventually(downloaded.is_file, timeout=WAIT), list(tmp_path.iterdir())
    assert eventually(lambda: downloaded.read_bytes() == INVOICE, timeout=5)


# Turkish in windows-1254 under a charset name no one knows: read as well as it can be, and kept as it came.
GUESSED_MAIL = (b"From: Ahmet Kaya <ahmet@bayi.example.net>\r\nTo: destek@example.com\r\n"
                b"Subject: =?x-bayi-turkce?q?=DDade_talebi?=\r\nMessage-ID: <konsol-tahmin@bayi.example.net>\r\n"
                b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-bayi-turkce\r\n"
                b"Content-Transfer-Encoding: 8bit\r\n\r\n\xdcr\xfcn\xfc iade etmek istiyorum, \xfeimdiden "
                b"te\xfeekk\xfcrler.\r\n")


def test_an_agent_sees_what_reading_a_mail_guessed_and_downloads_it_as_it_came(system, browser, tmp_path):
    number = post_mail(system, GUESSED_MAIL).json()["ticket_number"]
    sign_in(browser, system, "manager@example.com")
    entry = open_ticket(browser, number)
    assert entry.find_element(By.CSS_SELECTOR, ".body").text == "Ürünü iade etmek istiyorum, şimdiden teşekkürler."
    assert f"#{number} · İade talebi" in browser.find_element(By.ID, "ticket-title").text

    notes = entry.find_element(By.CSS_SELECTOR, "details.parse-notes")
    assert notes.text.strip() == "Okunurken tahmin edilenler (karakter kodlaması ya da biçim)"
    notes.find_element(By.TAG_NAME, "summary").click()
    assert "unknown charset 'x-bayi-turkce'" in notes.text  # the server's own words, on request

    original = entry.find_element(By.CSS_SELECTOR, "button.original")
    assert original.text == f"Özgün e-posta (.eml) ({len(GUESSED_MAIL)} B)"
    original.click()
    saved = eventually(lambda: next(iter(tmp_path.glob(f"{number}-*.eml")), None), timeout=WAIT)
    assert saved, list(tmp_path.iterdir())
    assert eventually(lambda: saved.read_bytes() == GUESSED_MAIL, timeout=5)  # byte for byte


def test_a_manager_releases_held_mail_from_the_console_and_an_agent_is_not_offered_it(system, browser):
    sender = "firtina@musteri.com.tr"
    answers = [post_mail(system, (f"From: {sender}\nTo: destek@example.com\nSubject: Sipariş {n}\n"
                                  f"Message-ID: <firtina-{n}@musteri.com.tr>\n\nSipariş {n} nerede?\n").encode())
               .json() for n in (1, 2, 3)]
    assert [a["status"] for a in answers] == ["created", "created", "held"]

    sign_in(browser, system, "manager@example.com", password="yanlış")
    assert browser.find_element(By.ID, "login-error").text == "E-posta ya da şifre hatalı."
    sign_in(browser, system, "agent@example.com")
    assert not browser.find_element(By.ID, "held-link").is_displayed()
    browser.find_element(By.ID, "logout").click()
    assert browser.find_element(By.ID, "login-view").is_displayed()

    sign_in(browser, system, "manager@example.com")
    browser.find_element(By.ID, "held-link").click()
    row = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.CSS_SELECTOR, "#held-rows tr"))
    assert sender in row.text and "Sipariş 3" in row.text and "gönderen sınırı aştı" in row.text
    row.find_element(By.TAG_NAME, "button").click()

    notice = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "held-notice").text)
    released_into = notice.rsplit("#", 1)[1]
    assert notice.startswith("Serbest bırakıldı: talep #")
    assert browser.find_element(By.ID, "held-empty").is_displayed()
    thread = Api(system, "manager@example.com").get(f"/tickets/{released_into}").json()["messages"]
    assert "firtina-3@musteri.com.tr" in [m["message_id"] for m in thread]

    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "held-link").text == "Held mail")


def test_a_session_ended_elsewhere_brings_back_the_sign_in_page_not_an_error(system, browser):
    sign_in(browser, system, "manager@example.com")
    token = browser.execute_script("return sessionStorage.getItem('destek.token')")
    ended = requests.post(f"http://127.0.0.1:{system.port('gateway')}/api/v1/auth/logout",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert ended.status_code == 204

    browser.refresh()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "login-view").is_displayed())
    assert browser.execute_script("return sessionStorage.getItem('destek.token')") is None
    assert not browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()


def mails_to(smtp_server, address: str, count: int):
    """The first ``count`` mails the outside SMTP server got for ``address``, once they are all in."""
    def arrived():
        found = [m for m in smtp_server.messages if address in m.rcpt_tos]
        return found[:count] if len(found) >= count else None
    found = eventually(arrived, timeout=WAIT)
    assert found, f"{count} mail(s) for {address} did not arrive"
    return found


def test_an_agent_writes_to_a_customer_first_then_sends_a_file_in_the_same_thread(
        system, smtp_server, browser, tmp_path):
    sign_in(browser, system, "agent@example.com")
    browser.find_element(By.LINK_TEXT, "Yeni talep").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "new-view").is_displayed())
    form = browser.find_element(By.ID, "new-form")
    assert [o.text for o in form.find_elements(By.CSS_SELECTOR, "select[name=department_id] option")] == [
        "Destek <destek@example.com>"]  # only the agent's own department
    form.find_element(By.NAME, "customer_name").send_keys("Işıl Kaya")
    form.find_element(By.NAME, "customer_email").send_keys("isil@musteri.com.tr")
    form.find_element(By.NAME, "subject").send_keys("Kargonuz yola çıktı")
    form.find_element(By.NAME, "message").send_keys("Merhaba Işıl Hanım, kargonuz bugün yola çıktı.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    title = WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "ticket-view").is_displayed() and b.find_element(By.ID, "ticket-title").text)
    number = title.split(" · ")[0].lstrip("#")
    [first] = mails_to(smtp_server, "isil@musteri.com.tr", 1)
    assert first.message["From"].addresses[0].addr_spec == "destek@example.com"
    assert f"[#{number}]" in first.subject and "Kargonuz yola çıktı" in first.subject
    assert "kargonuz bugün yola çıktı" in first.message.get_body(("plain",)).get_content()

    invoice = tmp_path / "Fatura Kasım.pdf"
    invoice.write_bytes(INVOICE)
    reply = browser.find_element(By.ID, "reply-form")
    reply.find_element(By.NAME, "body").send_keys("Faturanız ekte.")
    reply.find_element(By.NAME, "files").send_keys(str(invoice))
    reply.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    second = mails_to(smtp_server, "isil@musteri.com.tr", 2)[1]
    assert second.message["In-Reply-To"] == first.message["Message-ID"]
    [attached] = list(second.message.iter_attachments())
    assert attached.get_filename() == "Fatura Kasım.pdf" and attached.get_content() == INVOICE
    WebDriverWait(browser, WAIT).until(lambda b: "Fatura Kasım.pdf (2,5 KB)" in b.find_element(By.ID, "thread").text)


def test_an_owner_connects_a_departments_mailbox_in_the_console_and_its_mail_becomes_tickets(
        system, browser, tmp_path_factory):
    DovecotServer.ensure_installed()
    with DovecotServer(tmp_path_factory.mktemp("imap"), users={"satis@example.com": "posta-şifresi-1"}) as dovecot:
        sign_in(browser, system, "owner@example.com")
        browser.find_element(By.ID, "settings-link").click()
        WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "settings-view").is_displayed())
        Select(browser.find_element(By.ID, "settings-department")).select_by_visible_text("Satış <satis@example.com>")
        form = browser.find_element(By.ID, "settings-form")
        WebDriverWait(browser, WAIT).until(lambda b: form.get_attribute("data-department-id") != "1")
        form.find_element(By.NAME, "imap_enabled").click()
        for name, value in (("imap_host", "127.0.0.1"), ("imap_port", str(dovecot.port)),
                            ("imap_user", "satis@example.com")):
            form.find_element(By.NAME, name).send_keys(value)
        Select(form.find_element(By.NAME, "imap_security")).select_by_value("none")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        # Enabled without a password: refused, and the field at fault is marked.
        error = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "settings-error").text)
        assert "imap.password" in error
        password = form.find_element(By.NAME, "imap_password")
        assert password.get_attribute("aria-invalid") == "true"
        password.send_keys("posta-şifresi-1")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "settings-notice").text == "Kaydedildi.")
        assert password.get_attribute("value") == ""  # never shown again
        assert password.get_attribute("placeholder") == "kayıtlı — değiştirmek için yazın"

        dovecot.append("satis@example.com", "From: Işıl <isil@alici.com.tr>\r\nTo: satis@example.com\r\n"
                       "Subject: Teklif istiyorum\r\nMessage-ID: <teklif-1@alici.com.tr>\r\n\r\n"
                       "100 adet için fiyat alabilir miyim?\r\n".encode())
        api = Api(system, "owner@example.com")
        ticket = eventually(lambda: next(iter(api.get("/tickets", q="Teklif istiyorum").json()["items"]), None),
                            timeout=WAIT)
        assert ticket and ticket["department"]["name"] == "Satış"


PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@contextmanager
def image_server():
    """A real HTTP server on loopback standing in for a sender's tracking-pixel host: the paths asked of it."""
    asked: list[str] = []

    class Pixel(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()


def formatted_mail(pixel_url: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Bülten <haber@magaza.com.tr>"
    mail["To"] = "destek@example.com"
    mail["Subject"] = "Sipariş özeti"
    mail["Message-ID"] = "<bicimli-1@magaza.com.tr>"
    mail.set_content("Sipariş: 3 adet")
    mail.add_alternative(f"""<html><body><p onclick="alert(1)">Sipariş özeti</p>
<table><tr><td>Ürün</td><td>3 adet</td></tr></table><img alt="logo" src="cid:logo@magaza">
<img alt="izleme" src="{pixel_url}/acildi.png"><script>document.title = "çalıştı"</script></body></html>""",
                         subtype="html")
    mail.get_payload()[1].add_related(PIXEL, maintype="image", subtype="png", cid="<logo@magaza>")
    return bytes(mail)


def test_a_formatted_mail_shows_its_inline_image_and_loads_remote_images_only_when_asked(system, browser):
    with image_server() as (pixel_url, asked):
        number = post_mail(system, formatted_mail(pixel_url)).json()["ticket_number"]
        sign_in(browser, system, "manager@example.com")
        browser.get(f"http://127.0.0.1:{system.port('gateway')}/#/tickets/{number}")
        entry = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.CSS_SELECTOR, "#thread > li.inbound"))
        entry.find_element(By.XPATH, ".//button[text()='Biçimli görünüm']").click()
        frame = WebDriverWait(browser, WAIT).until(lambda b: entry.find_element(By.CSS_SELECTOR, "iframe.mail-html"))

        def inside(script: str):
            return browser.execute_script(f"const page = arguments[0].contentDocument; return {script};", frame)
        WebDriverWait(browser, WAIT).until(lambda b: inside("page.querySelector('img[alt=logo]')?.naturalWidth") == 1)
        assert "Ürün\t3 adet" in inside("page.body.innerText")  # the table, as a table
        assert inside("page.querySelector('script, [onclick]')") is None and inside("page.title") == ""
        time.sleep(1)
        assert asked == []  # the tracking pixel was not loaded: the sender cannot tell the mail was read

        entry.find_element(By.XPATH, ".//button[starts-with(text(), 'Uzak resimleri yükle')]").click()
        assert eventually(lambda: asked, timeout=WAIT) == ["/acildi.png"]
