"""The console's Kanban board in a real browser, as a manager: a card dragged to another stage stays there after a
reload, moves on from the keyboard, and a move to a stage of a pipeline of the other type is refused with the
API's reason in Turkish; the board's search and stage filter narrow what is shown.

Chromium (Debian's package) runs headless against every service and the gateway started as processes. Screenshots
at desktop (1280×800) and phone (390×844) width go to var/test-artifacts/screenshots/.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_console_browser import sign_in
from tests.test_console_lists_browser import WAIT, Client, browser, console, screenshots  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# A real drag as the browser raises it: dragstart on the card, dragover and drop on the column, one DataTransfer.
DRAG = """
const [card, column] = arguments;
const data = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data}));
fire(card, "dragstart"); fire(column, "dragenter"); fire(column, "dragover"); fire(column, "drop"); fire(card, "dragend");
"""


def card(browser, number: str):
    found = browser.find_elements(By.CSS_SELECTOR, f'#board .card[data-number="{number}"]')
    return found[0] if found else None


def column_of(browser, number: str) -> str | None:
    """The stage whose column shows the card (read in one script: the board re-renders under a test's feet)."""
    return browser.execute_script(
        "const card = document.querySelector(`#board .card[data-number='${arguments[0]}']`);"
        "return card ? card.closest('section').dataset.stage : null;", number)


def columns(browser) -> list:
    return browser.execute_script("return [...document.querySelectorAll('#board section.column')].map((s) => s.dataset.stage)")


def test_a_manager_drags_a_card_across_the_board_and_is_refused_the_other_pipeline_type(system, browser):
    manager = Client(system, "manager@example.com")
    pipelines = manager.get("/pipelines").json()["items"]
    service = next(p for p in pipelines if p["type"] == "service")
    sales = next(p for p in pipelines if p["type"] == "sales")
    first, second, third = (s["id"] for s in service["stages"][:3])
    number = manager.new_ticket("Klima arızası", "Çağla Güneş", "cagla@musteri.com.tr", priority=1)
    other = manager.new_ticket("Fatura sorusu", "Ümit Işık", "umit@musteri.com.tr", priority=4)
    for n in (number, other):
        assert manager.post(f"/tickets/{n}/move", {"stage_id": first}).status_code == 200

    sign_in(browser, system, "manager@example.com")
    browser.find_element(By.ID, "board-link").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "board-view").is_displayed())
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, f'#board-pipelines a[data-pipeline="{service["id"]}"]'))[0].click()
    WebDriverWait(browser, WAIT).until(lambda b: column_of(b, number) == str(first))
    shown = card(browser, number)
    assert "Klima arızası" in shown.text and "Çağla Güneş" in shown.text and "Acil" in shown.text
    assert "Hiç aranmadı" in shown.text and "0 arama" in shown.text and "gündür bu aşamada" in shown.text
    assert "priority-1" in shown.get_attribute("class") and "priority-4" in card(browser, other).get_attribute("class")

    target = browser.find_element(By.CSS_SELECTOR, f'#board section.column[data-stage="{second}"]')
    browser.execute_script(DRAG, card(browser, number), target)
    WebDriverWait(browser, WAIT).until(lambda b: column_of(b, number) == str(second))
    assert manager.get(f"/tickets/{number}").json()["stage"]["id"] == second
    assert browser.find_element(By.ID, "board-notice").text.startswith(f"#{number} taşındı")
    screenshots(browser, "board", dark=True)
    browser.refresh()  # the move is the server's, and the pipeline is in the URL
    WebDriverWait(browser, WAIT).until(lambda b: column_of(b, number) == str(second))
    assert column_of(browser, other) == str(first)

    card(browser, number).send_keys(Keys.ARROW_RIGHT)  # from the keyboard: focus the card, then →
    WebDriverWait(browser, WAIT).until(lambda b: column_of(b, number) == str(third))
    assert browser.switch_to.active_element.get_attribute("data-number") == number  # focus follows the card
    assert manager.get(f"/tickets/{number}").json()["stage"]["id"] == third

    menu = Select(card(browser, number).find_element(By.CSS_SELECTOR, "select.move-to"))
    menu.select_by_value(str(sales["stages"][0]["id"]))  # a sales stage for a service ticket
    refusal = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "board-error").text)
    assert refusal.startswith("Taşınamadı: bu bir Servis talebi, hedef ise bir Satış akışı"), refusal
    assert manager.get(f"/tickets/{number}").json()["stage"]["id"] == third
    assert column_of(browser, number) == str(third)
    screenshots(browser, "board-refused")

    box = browser.find_element(By.CSS_SELECTOR, "#board-filters input[name=q]")
    box.send_keys("ümit")  # the board's search: Turkish letters, any case
    WebDriverWait(browser, WAIT).until(lambda b: column_of(b, number) is None and column_of(b, other) is not None)
    assert "q=%C3%BCmit" in browser.current_url
    box.clear()
    box.send_keys(Keys.BACKSPACE)
    Select(browser.find_element(By.CSS_SELECTOR, "#board-filters select[name=stage]")).select_by_value(str(third))
    WebDriverWait(browser, WAIT).until(lambda b: columns(b) == [str(third)])
    assert column_of(browser, number) == str(third) and column_of(browser, other) is None
    assert f"stage={third}" in browser.current_url

    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, WAIT).until(lambda b: "Never called" in b.find_element(By.ID, "board").text)
