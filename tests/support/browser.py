"""A real headless Chromium (Debian's package) driven through its ChromeDriver, for the web console's tests.

``ensure_installed()`` runs ``deploy/install_browser.sh`` when either is missing,
as the mail tests install Dovecot. Selenium is told where both are, so it never
tries to download a browser or a driver.
"""
from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO_ROOT / "deploy" / "install_browser.sh"


def ensure_installed() -> tuple[str, str]:
    """The paths of chromium and chromedriver, installing them first if needed."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        proc = subprocess.run(["bash", str(INSTALL_SCRIPT)], check=False, capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"installing Chromium with {INSTALL_SCRIPT} failed (exit {proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return shutil.which("chromium"), shutil.which("chromedriver")


@contextmanager
def headless_chromium(download_dir: Path):
    """A browser whose downloads land in ``download_dir``, without asking."""
    chromium, chromedriver = ensure_installed()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
        yield driver
    finally:
        driver.quit()
