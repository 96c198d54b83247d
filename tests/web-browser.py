#!/usr/bin/python3
"""Drive a real headless chromium through privacy-web behind lighttpd.

    web-browser.py SCRATCH CONFIRM_URL BASE_URL EMAIL

Steps (each waits for elements, never for time):
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

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

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
wait = WebDriverWait(driver, 60)


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


def h1_is(text):
    return EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), text)


try:
    seen["user_agent"] = driver.execute_cdp_cmd("Browser.getVersion", {})["userAgent"]

    # 1. the confirm link from the mail
    driver.get(confirm_url)
    wait.until(EC.element_to_be_clickable((By.ID, "confirm")))
    page("consent")
    driver.find_element(By.ID, "confirm").click()
    wait.until(h1_is("Danke"))
    page("consent-confirmed")

    # 2. an access request through the form
    driver.get(base + "/request")
    wait.until(EC.element_to_be_clickable((By.ID, "send")))
    driver.find_element(By.ID, "kind-access").click()
    driver.find_element(By.ID, "email").send_keys(email)
    page("request-form")
    driver.find_element(By.ID, "send").click()
    wait.until(EC.element_to_be_clickable((By.ID, "code")))
    page("request-sent")

    # 3. the code from the mail (the test writes it once notify sent it)
    code_file = os.path.join(scratch, "code")
    open(os.path.join(scratch, "waiting-for-code"), "w").close()
    WebDriverWait(driver, 120, poll_frequency=0.2).until(
        lambda d: os.path.exists(code_file) and open(code_file).read().strip())
    driver.find_element(By.ID, "code").send_keys(open(code_file).read().strip())
    driver.find_element(By.ID, "send").click()
    wait.until(h1_is("best\u00e4tigt"))
    page("request-verified")

    # 4. the download link from the access mail: the code again, then the
    #    JSON file and the readable report
    link_file = os.path.join(scratch, "link")
    open(os.path.join(scratch, "waiting-for-link"), "w").close()
    WebDriverWait(driver, 120, poll_frequency=0.2).until(
        lambda d: os.path.exists(link_file) and open(link_file).read().strip())
    driver.get(open(link_file).read().strip())
    wait.until(EC.element_to_be_clickable((By.ID, "open")))
    driver.find_element(By.ID, "code").send_keys(open(code_file).read().strip())
    page("export-code")
    driver.find_element(By.ID, "open").click()
    wait.until(EC.element_to_be_clickable((By.ID, "json")))
    page("export-ready")
    driver.find_element(By.ID, "json").click()
    WebDriverWait(driver, 60, poll_frequency=0.2).until(
        lambda d: os.path.exists(os.path.join(downloads, "datenauskunft.json")))
    button = driver.find_element(By.ID, "html")
    button.click()
    wait.until(EC.staleness_of(button))
    wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
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
