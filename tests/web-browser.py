#!/usr/bin/python3
"""Drive a real headless chromium through privacy-web behind lighttpd.

    web-browser.py SCRATCH CONFIRM_URL BASE_URL EMAIL

Steps (each waits for elements, never for time; a click that loads a page
waits until the old page is gone and the new one has loaded, with a ceiling
of a minute: a browser asked about a page while it is replacing it answers
with an error such as "no such execution context" (a loaded machine makes
that moment long), which is "not yet", not a failure):
  1. open CONFIRM_URL (the link from the mail), see the page, press Confirm
  2. open BASE_URL/request, file an access request for EMAIL
  3. wait until SCRATCH/code exists (the test reads it from the mail that
     notify sent), enter it on the page, see the request confirmed
  4. wait until SCRATCH/link exists (the download link of the access
     mail), open it, enter the code again, download the JSON file (into
     SCRATCH/downloads) and open the readable report
Screenshots go to SCRATCH/screens/NN-name.png; what was seen goes to
SCRATCH/browser.json.  Exit status 0 when every step saw what it expected.
"""
import base64
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import (StaleElementReferenceException,
                                        TimeoutException, WebDriverException)
from selenium.webdriver.common.by import By

scratch, confirm_url, base, email = sys.argv[1:5]
screens = os.path.join(scratch, "screens")
os.makedirs(screens, exist_ok=True)
seen = {"pages": []}

opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--window-size=900,1100",
          "--user-data-dir=" + os.path.join(scratch, "chrome-profile")):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
downloads = os.path.join(scratch, "downloads")
os.makedirs(downloads, exist_ok=True)
opts.add_experimental_option("prefs", {
    "download.default_directory": downloads,
    "download.prompt_for_download": False})
service = Service("/usr/bin/chromedriver",
                  log_path=os.path.join(scratch, "chromedriver.log"))
driver = webdriver.Chrome(service=service, options=opts)
driver.execute_cdp_cmd("Page.setDownloadBehavior",
                       {"behavior": "allow", "downloadPath": downloads})


def until(what, pred, timeout=60):
    """Poll pred() until it is true (up to timeout seconds); errors of a
    page being replaced mean not yet.  Returns pred's value."""
    end = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except WebDriverException as e:
            last = e
        if time.monotonic() > end:
            raise TimeoutException("%s: not within %d s%s" % (
                what, timeout, "" if last is None else
                " (last: %s)" % str(last.msg or type(last).__name__).splitlines()[0]))
        time.sleep(0.2)


def loaded():
    return driver.execute_script("return document.readyState") == "complete"


def clickable(id_):
    """Wait until the element with this id is shown and enabled."""
    def pred():
        el = driver.find_element(By.ID, id_)
        return el if el.is_displayed() and el.is_enabled() and loaded() else None
    return until("#" + id_ + " clickable", pred)


def h1_has(text):
    """Wait until the page is loaded and its h1 contains text."""
    until("h1 with " + repr(text),
          lambda: loaded() and text in driver.find_element(By.TAG_NAME, "h1").text)


def click_to_page(id_):
    """Click the element that loads another page; wait until this page
    is gone (the next wait then sees the new page, never this one)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, id_).click()

    def gone():
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
    until("the page after #" + id_, gone)


def page(name, main=True):
    """Record the page and save a screenshot of all of it."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"],
                 "height": size["height"], "scale": 1}})
    path = os.path.join(screens, "%02d-%s.png" % (len(seen["pages"]) + 1, name))
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    seen["pages"].append({
        "name": name,
        "url": driver.current_url,
        "title": driver.title,
        "h1": driver.find_element(By.TAG_NAME, "h1").text,
        "text": driver.find_element(By.TAG_NAME, "main" if main else "body").text,
    })


try:
    seen["user_agent"] = driver.execute_cdp_cmd("Browser.getVersion", {})["userAgent"]

    # 1. the confirm link from the mail
    driver.get(confirm_url)
    clickable("confirm")
    page("consent")
    click_to_page("confirm")
    h1_has("Danke")
    page("consent-confirmed")

    # 2. an access request through the form
    driver.get(base + "/request")
    clickable("send")
    driver.find_element(By.ID, "kind-access").click()
    driver.find_element(By.ID, "email").send_keys(email)
    page("request-form")
    click_to_page("send")
    clickable("code")
    page("request-sent")

    # 3. the code from the mail (the test writes it once notify sent it)
    code_file = os.path.join(scratch, "code")
    open(os.path.join(scratch, "waiting-for-code"), "w").close()
    until("the code from the mail", lambda: os.path.exists(code_file)
          and open(code_file).read().strip(), timeout=120)
    driver.find_element(By.ID, "code").send_keys(open(code_file).read().strip())
    click_to_page("send")
    h1_has("best\u00e4tigt")
    page("request-verified")

    # 4. the download link from the access mail: the code again, then the
    #    JSON file and the readable report
    link_file = os.path.join(scratch, "link")
    open(os.path.join(scratch, "waiting-for-link"), "w").close()
    until("the download link from the mail", lambda: os.path.exists(link_file)
          and open(link_file).read().strip(), timeout=120)
    driver.get(open(link_file).read().strip())
    clickable("open")
    driver.find_element(By.ID, "code").send_keys(open(code_file).read().strip())
    page("export-code")
    click_to_page("open")
    clickable("json")
    page("export-ready")
    # a download: the page stays; the file gets its name when it is whole
    driver.find_element(By.ID, "json").click()
    until("downloads/datenauskunft.json", lambda: os.path.exists(
        os.path.join(downloads, "datenauskunft.json")))
    click_to_page("html")
    until("the report", lambda: loaded() and driver.find_element(By.TAG_NAME, "h1"))
    page("export-report", main=False)

    seen["console"] = [e["message"] for e in driver.get_log("browser")]
    seen["ok"] = True
except Exception as e:  # noqa: BLE001 - report whatever went wrong
    seen["ok"] = False
    seen["error"] = "%s: %s" % (type(e).__name__, e)
    try:
        driver.save_screenshot(os.path.join(screens, "failure.png"))
        seen["failure_page"] = driver.page_source[:4000]
    except Exception:  # noqa: BLE001
        pass
finally:
    driver.quit()
    with open(os.path.join(scratch, "browser.json"), "w") as f:
        json.dump(seen, f, indent=1, ensure_ascii=False)
sys.exit(0 if seen["ok"] else 1)
