"""The agent console's lists and ticket screen in a real browser, each as the role that does it: a manager finds
a ticket by a Turkish search and opens its row in a new tab, pages past the first page, changes status and
assignee (and sees a refusal next to the field, in Turkish), deletes after confirming; an agent writes and edits
an internal note.

Chromium (Debian's package) runs headless against every service and the gateway started as processes. Each test
saves what it saw at desktop (1280×800) and phone (390×844) width into var/test-artifacts/screenshots/.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.browser import headless_chromium
from tests.support.waiting import eventually
from tests.test_console_browser import sign_in
from tests.test_end_to_end import Api

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WAIT = 30  # seconds, generous: browser tests share two cores with the whole system and other suites
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts" / "screenshots"
DESKTOP, PHONE = (1280, 800), (390, 844)


@pytest.fixture
def browser(tmp_path):
    with headless_chromium(tmp_path) as driver:
        driver.set_window_size(*DESKTOP)
        yield driver


def screenshots(browser, name: str, dark: bool = False) -> None:
    """What the page shows now, at desktop and at phone width (and in the system's dark scheme, if asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = [("desktop", DESKTOP, "light"), ("phone", PHONE, "light")] + ([("phone-dark", PHONE, "dark")] if dark else [])
    for label, size, scheme in shots:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        browser.set_window_size(*size)
        browser.execute_script("return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        browser.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    browser.set_window_size(*DESKTOP)


class Client(Api):
    def patch(self, path: str, body: dict) -> requests.Response:
        return requests.patch(self.base + path, headers=self.headers, json=body, timeout=30)

    def new_ticket(self, subject: str, customer: str, email: str, priority: int = 3) -> str:
        answer = self.post("/tickets", {"subject": subject, "priority": priority, "department_id": 1,
                                        "customer": {"name": customer, "email": email}})
        assert answer.status_code == 201, answer.text
        return answer.json()["number"]


def console(system, fragment: str = "") -> str:
    return f"http://127.0.0.1:{system.port('gateway')}/{fragment}"


def rows(browser) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "#ticket-rows tr")


def search(browser, text: str) -> None:
    box = browser.find_element(By.CSS_SELECTOR, "#list-filters input[name=q]")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#list-filters button[type=submit]").click()


def test_a_manager_finds_a_ticket_by_a_turkish_search_and_opens_its_row_in_a_new_tab(system, browser):
    manager = Client(system, "manager@example.com")
    wanted = manager.new_ticket("İSTANBUL şubesine teslimat", "Işıl Kaya", "isil@musteri.com.tr", priority=2)
    other = manager.new_ticket("Ankara faturası", "Ömer Çelik", "omer@musteri.com.tr")
    sign_in(browser, system, "manager@example.com")
    WebDriverWait(browser, WAIT).until(lambda b: any(f"#{other}" in r.text for r in rows(b)))

    search(browser, "istanbul")
    WebDriverWait(browser, WAIT).until(lambda b: [r.text for r in rows(b)] and
                                       all(f"#{other}" not in r.text for r in rows(b)))
    [row] = rows(browser)
    assert f"#{wanted}" in row.text and "İSTANBUL şubesine teslimat" in row.text and "Işıl Kaya" in row.text
    assert "Yüksek" in row.text and "Yeni" in row.text and "Destek" in row.text
    query = parse_qs(urlsplit(browser.current_url).fragment.split("?", 1)[1])
    assert query["q"] == ["istanbul"] and query["view"] == ["open"]
    screenshots(browser, "list-search", dark=True)

    browser.refresh()  # the URL keeps the search
    WebDriverWait(browser, WAIT).until(lambda b: len(rows(b)) == 1 and f"#{wanted}" in rows(b)[0].text)
    assert browser.find_element(By.CSS_SELECTOR, "#list-filters input[name=q]").get_attribute("value") == "istanbul"

    link = rows(browser)[0].find_element(By.CSS_SELECTOR, "a.subject")
    href = link.get_attribute("href")
    assert href == console(system, f"#/tickets/{wanted}")  # a real link: new tab, keyboard, copy
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(href)
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "ticket-title").text == f"#{wanted} · İSTANBUL şubesine teslimat")
    assert Select(browser.find_element(By.ID, "field-status")).first_selected_option.text == "Yeni"
    screenshots(browser, "ticket-detail", dark=True)
    browser.close()
    browser.switch_to.window(first)

    browser.find_element(By.CSS_SELECTOR, "#list-views a[data-view=closed]").click()  # the archive: not there
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "list-empty").is_displayed())


def test_a_manager_pages_past_the_first_page_with_more(system, browser):
    manager = Client(system, "manager@example.com")
    numbers = [manager.new_ticket(f"Sayfalama denemesi {n}", "Deniz Şahin", "deniz@musteri.com.tr")
               for n in range(30)]
    sign_in(browser, system, "manager@example.com")
    browser.get(console(system, "#/tickets?view=all&q=sayfalama&sort=created"))
    WebDriverWait(browser, WAIT).until(lambda b: len(rows(b)) == 25)
    listed = manager.get("/tickets", q="sayfalama", limit=100).json()
    assert browser.find_element(By.ID, "list-count").text == "30 talep", (
        listed["total"], [(t["number"], t["subject"]) for t in listed["items"] if t["number"] not in numbers])
    assert f"#{numbers[0]}" in rows(browser)[0].text  # oldest first, as asked
    more = browser.find_element(By.ID, "more")
    assert more.text == "Daha fazla"
    more.click()
    WebDriverWait(browser, WAIT).until(lambda b: len(rows(b)) == 30)
    assert [r.find_element(By.CSS_SELECTOR, "a.number").text for r in rows(browser)] == [f"#{n}" for n in numbers]
    assert not more.is_displayed()
    screenshots(browser, "list-paged")


def field_error(browser, name: str) -> str:
    return WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, f"{name}-error").text)


def test_a_manager_changes_status_and_assignee_then_deletes_after_confirming(system, browser):
    agent = Client(system, "agent@example.com")
    number = agent.new_ticket("Kargo gecikti", "Selin Öztürk", "selin@musteri.com.tr")  # the agent's own
    manager = Client(system, "manager@example.com")
    sign_in(browser, system, "manager@example.com")
    browser.get(console(system, f"#/tickets/{number}"))
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "ticket-view").is_displayed())
    assignee = Select(browser.find_element(By.ID, "field-assignee"))
    assert assignee.first_selected_option.text == "Ayşe Temsilci"

    Select(browser.find_element(By.ID, "field-status")).select_by_visible_text("İşlemde")
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "fields-notice").text == "Kaydedildi.")
    me = manager.get("/auth/me").json()
    Select(browser.find_element(By.ID, "field-assignee")).select_by_value(str(me["id"]))
    WebDriverWait(browser, WAIT).until(
        lambda b: manager.get(f"/tickets/{number}").json()["assignee_id"] == me["id"])
    ticket = manager.get(f"/tickets/{number}").json()
    assert ticket["status"] == "in_progress"

    Select(browser.find_element(By.ID, "field-status")).select_by_visible_text("Yeni")  # never back to new
    assert field_error(browser, "status").startswith("İş akışı bu durum değişikliğine izin vermiyor")
    assert browser.find_element(By.ID, "field-status").get_attribute("aria-invalid") == "true"
    assert Select(browser.find_element(By.ID, "field-status")).first_selected_option.text == "İşlemde"
    screenshots(browser, "ticket-refused")

    browser.find_element(By.ID, "close-ticket").click()
    reopen = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "reopen-ticket"))
    WebDriverWait(browser, WAIT).until(lambda b: reopen.is_displayed())
    assert manager.get(f"/tickets/{number}").json()["status"] == "closed"
    reopen.click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "close-ticket").is_displayed())
    assert manager.get(f"/tickets/{number}").json()["status"] == "open"

    browser.find_element(By.ID, "tab-history").click()
    WebDriverWait(browser, WAIT).until(lambda b: "Durum: Kapandı → Açık" in b.find_element(By.ID, "history").text)

    browser.find_element(By.ID, "delete-ticket").click()
    dialog = browser.find_element(By.ID, "delete-dialog")
    assert dialog.is_displayed()
    confirm = dialog.find_element(By.ID, "confirm-delete")
    assert confirm.text == "Evet, Sil"
    screenshots(browser, "ticket-delete-dialog")
    confirm.click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "notice").text == f"Silindi: talep #{number}")
    assert manager.get(f"/tickets/{number}").status_code == 404


def test_an_agent_writes_and_edits_an_internal_note_and_sees_it_newest_first(system, browser):
    agent = Client(system, "agent@example.com")
    number = agent.new_ticket("İade süreci", "Burak Yıldız", "burak@musteri.com.tr")
    assert agent.post(f"/tickets/{number}/notes", {"body": "İlk not"}).status_code == 201
    sign_in(browser, system, "agent@example.com")
    browser.find_element(By.CSS_SELECTOR, "#list-views a[data-view=mine]").click()
    row = WebDriverWait(browser, WAIT).until(
        lambda b: next((r for r in rows(b) if f"#{number}" in r.text), None))
    row.find_element(By.CSS_SELECTOR, "a.number").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "ticket-view").is_displayed())
    assert not Select(browser.find_element(By.ID, "field-assignee")).first_selected_option.get_attribute("value") == ""
    assert not browser.find_element(By.ID, "field-assignee").is_enabled()  # managers assign
    assert not browser.find_element(By.ID, "delete-ticket").is_displayed()

    browser.find_element(By.ID, "tab-notes").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.current_url.endswith(f"#/tickets/{number}/notes"))
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "panel-notes").is_displayed())
    form = browser.find_element(By.ID, "note-form")
    form.find_element(By.NAME, "body").send_keys("Müşteri yarın 14:00'te aranacak.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#notes > li")) == 2)
    notes = browser.find_elements(By.CSS_SELECTOR, "#notes > li")
    assert "Müşteri yarın 14:00'te aranacak." in notes[0].text and "İlk not" in notes[1].text  # newest first

    notes[0].find_element(By.CSS_SELECTOR, "button.edit").click()
    editor = browser.find_element(By.CSS_SELECTOR, "#notes > li textarea")
    editor.clear()
    editor.send_keys("Müşteri yarın 15:00'te aranacak.")
    browser.find_element(By.CSS_SELECTOR, "#notes > li button.save").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: "15:00" in b.find_element(By.CSS_SELECTOR, "#notes > li").text)
    first = browser.find_element(By.CSS_SELECTOR, "#notes > li")
    assert "düzenlendi" in first.find_element(By.CSS_SELECTOR, ".meta").text
    assert [n["body"] for n in agent.get(f"/tickets/{number}/notes").json()["items"]] == [
        "Müşteri yarın 15:00'te aranacak.", "İlk not"]
    screenshots(browser, "ticket-notes")

    browser.find_elements(By.CSS_SELECTOR, "#notes > li")[1].find_element(By.CSS_SELECTOR, "button.delete").click()
    dialog = browser.find_element(By.ID, "delete-dialog")
    assert dialog.is_displayed() and dialog.find_element(By.ID, "delete-question").text == "Bu not silinsin mi?"
    dialog.find_element(By.ID, "confirm-delete").click()
    WebDriverWait(browser, WAIT).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#notes > li")) == 1)
    assert not dialog.is_displayed()
    assert [n["body"] for n in agent.get(f"/tickets/{number}/notes").json()["items"]] == [
        "Müşteri yarın 15:00'te aranacak."]

    browser.refresh()  # the tab is in the URL
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "panel-notes").is_displayed()
                                       and len(b.find_elements(By.CSS_SELECTOR, "#notes > li")) == 1)
    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "tab-notes").text == "Notes" and
                                       " · edited " in b.find_element(By.CSS_SELECTOR, "#notes > li .meta").text)
