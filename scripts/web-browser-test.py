#!/usr/bin/env python3
"""The officers' web app in a real browser (chromium + chromedriver, driven by Selenium).

Run by Tests/EndToEndTests/WebBrowserEndToEndTests.swift against the real cchcd:
    web-browser-test.py BASE_URL SCREENSHOT_DIR IMAGE_PATH ADMIN_LOGIN ADMIN_PASSWORD
Prints one JSON object (the item id, the pages seen) on success; exits non-zero naming the step that failed.
"""
import json
import os
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

base, shots, image, admin, admin_password = sys.argv[1:6]
PASSWORD = "mat-khau-cua-can-bo-2026"
CHANNELS = ["portal-tinh", "fb-sonoivu", "radio-xa"]

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=vi-VN"]:
    options.add_argument(a)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
count = 0
pages = []


def body_text():
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "body")))
    return driver.find_element(By.TAG_NAME, "body").text


def fail(message):
    sys.stderr.write(f"FAIL: {message}\nat {driver.current_url}\n{body_text()[:3000]}\n")
    shot("loi")
    driver.quit()
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def shot(name, width=1280):
    """A full-page screenshot: the window grows to the page's height."""
    global count
    count += 1
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height + 40, 600), 8000))
    driver.execute_script("window.scrollTo(0, 0)")
    path = f"{shots}/{count:02d}-{name}.png"
    driver.save_screenshot(path)
    pages.append(path)
    driver.set_window_size(1280, 1000)


def click(css, navigates=True):
    """Clicks and, when the click submits a form, waits for the next page to load."""
    element = driver.find_element(By.CSS_SELECTOR, css)
    element.click()
    if not navigates:
        return
    try:
        WebDriverWait(driver, 20).until(expected_conditions.staleness_of(element))
    except Exception:
        pass
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")


def fill(css, text):
    element = driver.find_element(By.CSS_SELECTOR, css)
    element.clear()
    element.send_keys(text)


def sign_in(login, password, screenshot=None):
    driver.get(base + "/dang-nhap")
    fill("#login", login)
    fill("#password", password)
    if screenshot:
        shot(screenshot)
    click("#dang-nhap")
    check("Hàng đợi tin bài" in body_text(), f"sign-in as {login} did not reach the queue")


def sign_out():
    click("#dang-xuat")
    check("/dang-nhap" in driver.current_url, "sign-out did not return to the sign-in page")


def add_account(login, name, roles, unit):
    driver.get(base + "/tai-khoan")
    fill("#new_login", login)
    fill("#new_name", name)
    fill("#new_password", PASSWORD)
    for role in roles:
        click(f"#role-{role}", navigates=False)
    fill("#new_units", unit)
    click("#them-tai-khoan")
    check(f"Đã lưu tài khoản {login}." in body_text(), f"account {login} was not added")


# 1. The first administrator (made with `cchc user add`) signs in and makes an author and an approver.
sign_in(admin, admin_password, screenshot="dang-nhap")
shot("hang-doi-trong")
driver.get(base + "/kenh")
check("Tình trạng các kênh" in body_text() and "fb-sonoivu" in body_text(), "the channels page is missing")
shot("kenh")
add_account("soantin", "Lê Thị Soạn", ["soan-tin", "duyet"], "Sở Nội vụ")
add_account("duyet", "Trần Văn Duyệt", ["duyet"], "Sở Nội vụ")
shot("tai-khoan")
sign_out()

# 2. The author composes an item with an image, previews it and submits it.
sign_in("soantin", PASSWORD)
driver.get(base + "/soan")
fill("#title", "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến")
fill("#summary", "Bộ phận một cửa tỉnh tiếp nhận hồ sơ trực tuyến toàn trình.")
fill(
    "#body",
    "Năm 2026, **100%** thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến.\n\n"
    "- Bộ phận một cửa tiếp nhận hồ sơ.\n- Kết quả trả qua bưu chính công ích.",
)
Select(driver.find_element(By.CSS_SELECTOR, "#topic")).select_by_value("tthc")
for channel in CHANNELS:
    click(f"input[name=channels][value={channel}]", navigates=False)
driver.find_element(By.CSS_SELECTOR, "#image").send_keys(image)
fill("#caption", "Bộ phận một cửa tỉnh Sơn La")
click("#xem-truoc")
check(driver.find_elements(By.CSS_SELECTOR, "#ban-xem-truoc"), "the compose preview is missing")
check("Đã tải ảnh" in body_text(), "the uploaded image was not kept for the submit")
shot("soan-tin-xem-truoc")
shot("soan-tin-dien-thoai", width=390)
click("#gui-duyet")
check("Đã gửi bài để duyệt." in body_text(), "submitting the item failed")
item_id = driver.current_url.split("/bai/")[1].split("?")[0]
shot("bai-cho-duyet")

# 3. The author may approve (role duyet) but not their own item: refused, the item stays submitted.
check(driver.find_elements(By.CSS_SELECTOR, "#tu-duyet"), "the self-approval notice is missing")
click("#duyet")
check("tb=tu-duyet" in driver.current_url, "self-approval was not refused")
check(driver.find_element(By.CSS_SELECTOR, "#trang-thai").text == "chờ duyệt", "the item left 'chờ duyệt'")
shot("tu-duyet-bi-tu-choi")

# 3b. A draft: a title and two channels are enough to save it; the compose page counts the Facebook
#     post's length as the author types and suggests the radio station's next air times; it is listed
#     under "Bản nháp", opened again, completed with a suggested time, and submitted.
driver.get(base + "/soan")
fill("#title", "Bản nháp: lịch tiếp công dân tháng 12")
click("input[name=channels][value=fb-sonoivu]", navigates=False)
click("input[name=channels][value=radio-xa]", navigates=False)
counters = driver.find_elements(By.CSS_SELECTOR, "#dem-ky-tu li")
check(counters and "bài đăng Facebook" in counters[0].text, "the Facebook post's counter is missing")
check(counters[0].text.startswith("fb-sonoivu — bài đăng Facebook: 37/"), f"the counter counts wrong: {counters[0].text}")
click("#luu-nhap")
check("Đã lưu bản nháp." in body_text(), "saving the draft failed")
draft_id = driver.current_url.split("/bai/")[1].split("?")[0]
check(driver.find_element(By.CSS_SELECTOR, "#trang-thai").text == "nháp", "the draft is not a draft")
driver.get(base + "/nhap")
check("Bản nháp: lịch tiếp công dân tháng 12" in body_text(), "the draft is not in Bản nháp")
shot("ban-nhap")
driver.get(f"{base}/soan?nhap={draft_id}")
check(driver.find_element(By.CSS_SELECTOR, "#title").get_attribute("value") == "Bản nháp: lịch tiếp công dân tháng 12",
      "the draft did not open filled in")
fill("#body", "Lãnh đạo Sở tiếp công dân vào **thứ Năm** hằng tuần tại Bộ phận một cửa.")
slot = driver.find_element(By.CSS_SELECTOR, "#gio-radio-xa button[data-slot]")
slot.click()
check(driver.find_element(By.CSS_SELECTOR, "#publish_at").get_attribute("value") == slot.get_attribute("data-slot"),
      "a suggested time did not fill the publish time")
shot("sua-ban-nhap")
click("#gui-duyet")
check("Đã gửi bài để duyệt." in body_text(), "submitting the draft failed")
check(driver.find_element(By.CSS_SELECTOR, "#trang-thai").text == "chờ duyệt", "the submitted draft is not waiting")
sign_out()

# 4. The approver views every channel's preview, then approves.
sign_in("duyet", PASSWORD)
driver.get(f"{base}/bai/{item_id}")
for channel in CHANNELS:
    previews = driver.find_elements(By.CSS_SELECTOR, f"#xem-truoc-{channel}")
    check(previews, f"no preview for {channel}")
    driver.execute_script("arguments[0].scrollIntoView()", previews[0])
    check(previews[0].text.strip() != "", f"the preview of {channel} is empty")
preview_text = body_text()
check("#cchc_" in preview_text, "the Facebook marker is not shown")
check("Bản đọc — Đài truyền thanh xã Tân Lập" in preview_text, "the radio script is not shown")
shot("duyet-xem-truoc")
click("#duyet")
check("Đã duyệt." in body_text(), "approval failed")
shot("da-duyet")

# 5. Delivered to the loopback fakes: the item page shows every channel delivered.
deadline = time.time() + 60
while time.time() < deadline:
    driver.get(f"{base}/bai/{item_id}")
    if driver.find_element(By.CSS_SELECTOR, "#trang-thai").text == "đã gửi xong":
        break
    time.sleep(1)
check(driver.find_element(By.CSS_SELECTOR, "#trang-thai").text == "đã gửi xong", "the item was not delivered")
shot("da-gui-xong")
driver.get(base + "/lich")
check("Sơn La: 100% thủ tục hành chính" in body_text(), "the item is not on the calendar")
check("radio-xa: đã gửi" in body_text(), "the radio delivery is not on the calendar")
shot("lich")

# 6. The month: the item on its day, the radio station's air times; a click opens the item.
driver.get(base + "/lich/thang")
check("Sơn La: 100% thủ tục hành chính" in body_text(), "the item is not on the month calendar")
check("Đài truyền thanh xã Tân Lập: phát lúc 00:00, 06:00, 12:00, 18:00" in body_text(),
      "the radio station's air times are not on the month calendar")
shot("lich-thang")
click(f"#lich-thang a[href='/bai/{item_id}']")
check(f"/bai/{item_id}" in driver.current_url, "the month calendar's entry does not open the item")

# 7. Citizens' feedback: the comment the test sends to the Facebook webhook, counted and shown.
deadline = time.time() + 60
while time.time() < deadline:
    driver.get(base + "/phan-hoi")
    if "Cho hỏi hồ sơ nộp ở đâu?" in body_text():
        break
    time.sleep(1)
check("Cho hỏi hồ sơ nộp ở đâu?" in body_text(), "the citizen's comment is not on the feedback page")
check("Bình luận" in body_text(), "the comment is not counted")
shot("phan-hoi")
driver.get(f"{base}/phan-hoi?bai={item_id}")
check("Phản hồi của người dân: Sơn La" in body_text(), "the item's feedback page is missing")

# 8. The report of this month (calendar basis), its figures, and the Word file downloaded.
month = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
driver.get(base + "/bao-cao")
Select(driver.find_element(By.CSS_SELECTOR, "#ky")).select_by_value("thang")
fill("#gia-tri", month)
click("input[name=duong-lich]", navigates=False)
click("#xem-bao-cao")
check(driver.find_elements(By.CSS_SELECTOR, "#so-lieu"), "the report's figures are missing")
shot("bao-cao")
driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": shots})
click("#tai-docx", navigates=False)
report = f"{shots}/bao-cao-{month}.docx"
deadline = time.time() + 30
while time.time() < deadline and not os.path.exists(report):
    time.sleep(0.5)
check(os.path.exists(report), "the Word report was not downloaded")
with open(report, "rb") as f:
    check(f.read(2) == b"PK", "the downloaded report is not a .docx (zip)")

driver.get(base + "/")
shot("hang-doi")
shot("hang-doi-dien-thoai", width=390)
driver.quit()
print(json.dumps({"item": item_id, "draft": draft_id, "report": report, "screenshots": pages}, ensure_ascii=False))
