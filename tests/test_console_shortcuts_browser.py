"""The console's keyboard shortcuts in a real browser, as an agent: ? shows the help overlay and Escape closes it,
/ goes to the search, j and k walk the list, Enter opens the chosen ticket, r goes to the reply box and n to a new
note; keys typed into a field stay the field's.

Chromium (Debian's package) runs headless against every service and the gateway started as processes. Screenshots
at desktop (1280×800) and phone (390×844) width go to var/test-artifacts/screenshots/.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_console_browser import sign_in
from tests.test_console_lists_browser import WAIT, Client, browser, console, rows, screenshots  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def press(browser, keys: str) -> None:
    """Keys to whatever has the focus, as a person types them."""
    ActionChains(browser).send_keys(keys).perform()


def active(browser):
    return browser.switch_to.active_element


def test_an_agent_works_the_list_and_a_ticket_from_the_keyboard(system, browser):
    agent = Client(system, "agent@example.com")
    older = agent.new_ticket("Kısayol denemesi bir", "Gül Aydın", "gul@musteri.com.tr")
    newer = agent.new_ticket("Kısayol denemesi iki", "Oğuz Demir", "oguz@musteri.com.tr")
    sign_in(browser, system, "agent@example.com")
    browser.get(console(system, "#/tickets?view=open&q=kısayol"))
    WebDriverWait(browser, WAIT).until(lambda b: len(rows(b)) == 2)

    press(browser, "?")
    dialog = browser.find_element(By.ID, "shortcuts-dialog")
    WebDriverWait(browser, WAIT).until(lambda b: dialog.is_displayed())
    assert "Klavye kısayolları" in dialog.text and "Talebi yanıtla" in dialog.text
    screenshots(browser, "shortcuts-help", dark=True)
    press(browser, "j")  # a dialog's keys are its own
    assert not browser.find_elements(By.CSS_SELECTOR, "#ticket-rows tr.chosen")
    press(browser, Keys.ESCAPE)
    WebDriverWait(browser, WAIT).until(lambda b: not dialog.is_displayed())

    press(browser, "/")
    assert active(browser).get_attribute("name") == "q"
    assert active(browser).get_attribute("value") == "kısayol"  # selected, so typing replaces it
    press(browser, Keys.END + "jk")  # typed into the search, not shortcuts
    assert active(browser).get_attribute("value") == "kısayoljk"
    press(browser, Keys.ESCAPE)  # leaves the field
    assert active(browser).get_attribute("name") != "q"

    press(browser, "j")
    chosen = lambda b: [r.find_element(By.CSS_SELECTOR, "a.number").text for r in b.find_elements(By.CSS_SELECTOR, "#ticket-rows tr.chosen")]
    assert chosen(browser) == [f"#{newer}"]  # newest first: the list's default sort
    press(browser, "j")
    assert chosen(browser) == [f"#{older}"]
    press(browser, "j")  # stays on the last
    assert chosen(browser) == [f"#{older}"]
    press(browser, "k")
    assert chosen(browser) == [f"#{newer}"]
    assert active(browser).text == "Kısayol denemesi iki"
    screenshots(browser, "shortcuts-list")
    press(browser, Keys.ENTER)
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "ticket-title").text == f"#{newer} · Kısayol denemesi iki")

    press(browser, "n")
    WebDriverWait(browser, WAIT).until(lambda b: b.current_url.endswith(f"#/tickets/{newer}/notes"))
    WebDriverWait(browser, WAIT).until(lambda b: active(b).get_attribute("name") == "body" and
                                       b.find_element(By.ID, "panel-notes").is_displayed())
    press(browser, "r")  # a letter in the note, not a reply
    assert active(browser).get_attribute("value") == "r"
    press(browser, Keys.BACKSPACE + Keys.ESCAPE)
    press(browser, "r")
    WebDriverWait(browser, WAIT).until(lambda b: b.current_url.endswith(f"#/tickets/{newer}"))
    WebDriverWait(browser, WAIT).until(
        lambda b: active(b).tag_name == "textarea" and b.find_element(By.ID, "panel-thread").is_displayed()
        and active(b).find_element(By.XPATH, "ancestor::form").get_attribute("id") == "reply-form")
    screenshots(browser, "shortcuts-reply")

    press(browser, Keys.ESCAPE)
    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "tab-notes").text == "Notes")
    press(browser, "?")
    WebDriverWait(browser, WAIT).until(lambda b: "Keyboard shortcuts" in dialog.text and dialog.is_displayed())
    browser.find_element(By.ID, "close-shortcuts").click()
    WebDriverWait(browser, WAIT).until(lambda b: not dialog.is_displayed())
