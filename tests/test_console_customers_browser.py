"""The console's customers in a real browser, as a manager: a Turkish search finds a customer, whose row shows the
ticket count; the profile lists contacts and the customer's tickets newest first, each opening its ticket; the
search stays in the URL.

Chromium (Debian's package) runs headless against every service and the gateway started as processes. Screenshots
at desktop (1280×800) and phone (390×844) width go to var/test-artifacts/screenshots/.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_console_browser import sign_in
from tests.test_console_lists_browser import WAIT, Client, browser, console, screenshots  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def customer_rows(browser) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "#customer-rows tr")


def test_a_manager_finds_a_customer_and_opens_a_ticket_from_the_history(system, browser):
    manager = Client(system, "manager@example.com")
    first = manager.new_ticket("Sipariş gelmedi", "Tuğba Şen", "tugba@musteri.com.tr")
    second = manager.new_ticket("İade talebi", "Tuğba Şen", "tugba@musteri.com.tr", priority=2)
    manager.new_ticket("Başka bir konu", "Cem Koç", "cem@musteri.com.tr")
    sign_in(browser, system, "manager@example.com")
    browser.find_element(By.ID, "customers-link").click()
    WebDriverWait(browser, WAIT).until(lambda b: len(customer_rows(b)) >= 2)

    box = browser.find_element(By.CSS_SELECTOR, "#customer-filters input[name=q]")
    box.send_keys("tuğba")
    browser.find_element(By.CSS_SELECTOR, "#customer-filters button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda b: len(customer_rows(b)) == 1 and "Tuğba Şen" in customer_rows(b)[0].text)
    [row] = customer_rows(browser)
    assert "tugba@musteri.com.tr" in row.text and "Cem Koç" not in row.text
    assert row.find_element(By.CSS_SELECTOR, "td:nth-child(4)").text.endswith("2")
    assert browser.find_element(By.ID, "customers-count").text == "1 müşteri"
    screenshots(browser, "customers-search", dark=True)
    browser.refresh()  # the search is in the URL
    WebDriverWait(browser, WAIT).until(lambda b: len(customer_rows(b)) == 1)
    assert browser.find_element(By.CSS_SELECTOR, "#customer-filters input[name=q]").get_attribute("value") == "tuğba"

    customer_rows(browser)[0].find_element(By.CSS_SELECTOR, "a.subject").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "customer-view").is_displayed()
                                       and len(b.find_elements(By.CSS_SELECTOR, "#customer-tickets > li")) == 2)
    assert browser.find_element(By.ID, "customer-name").text == "Tuğba Şen"
    facts = browser.find_element(By.ID, "customer-facts").text
    assert "tugba@musteri.com.tr" in facts and "Talepler" in facts
    history = browser.find_elements(By.CSS_SELECTOR, "#customer-tickets > li")
    assert f"#{second}" in history[0].text and "İade talebi" in history[0].text and "Yüksek" in history[0].text
    assert f"#{first}" in history[1].text and "Yeni" in history[1].text  # newest first
    screenshots(browser, "customer-profile", dark=True)

    history[1].find_element(By.CSS_SELECTOR, "a.subject").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "ticket-title").text == f"#{first} · Sipariş gelmedi")
    browser.back()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "customer-view").is_displayed())
    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "#customer-view h2").text == "Ticket history")
