"""The dashboard at `/_mock/ui`, driven in headless Chromium (Debian's `chromium` and
`chromium-driver`, through selenium) against the fake served over HTTP on 127.0.0.1.

Without Chromium these tests skip, except when `CI` is set: there they fail.
Set `VIDU_DASHBOARD_SCREENSHOT=docs/dashboard.png` to write the README's screenshot.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_server import Settings, create_app
from mock_server.serving.background import BackgroundServer
from mock_server.testing.controller import ViduMock
from mock_server.web.state import fake_of
from mock_server.wire.schemas import defaulted
from tests.helpers import VALID_BODY
from tests.plugin_support import FAILED, PROCESSING, QUEUED, SUCCEED, Client, finish

CHROMIUM = "chromium"
CHROMEDRIVER = "chromedriver"
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
WINDOW = (1600, 1050)
WAIT_S = 15
REFRESH_S = 0.2  # the page's refresh interval: five times a second, so the tests wait less
SCREENSHOT_ENV = "VIDU_DASHBOARD_SCREENSHOT"
TOKEN = "dashboard-token"
DASH = "\N{EN DASH}"  # between the first and last row number of a page

ROWS = """return [...document.querySelectorAll('#jobs-body tr')].map((row) => ({
  task_id: row.dataset.taskId, status: row.dataset.status,
  prompt: row.querySelector('.prompt').textContent,
  outcome: row.querySelector('.outcome').textContent}))"""
JOURNAL = """return [...document.querySelectorAll('#journal-body tr')].map((row) => ({
  index: Number(row.dataset.index), status: Number(row.dataset.status),
  text: row.textContent}))"""
VIDEO = """const video = document.querySelector('#detail-video video');
return video && video.readyState >= 1
  ? {width: video.videoWidth, height: video.videoHeight, duration: video.duration} : null"""

LOADED = """const video = document.querySelector('#detail-video video');
return Boolean(video && video.readyState === 4 && video.networkState === 1)"""
CONTROLS_SETTLE_S = 2.0  # Chrome's media controls fade their loading spinner out


def browser_paths() -> tuple[str, str]:
    """Chromium and its driver, or skip (fail under CI) naming what is missing."""
    found = {name: shutil.which(name) for name in (CHROMIUM, CHROMEDRIVER)}
    missing = [name for name, path in found.items() if path is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        message = (
            f"the dashboard tests need {', '.join(missing)}: "
            "apt-get install chromium chromium-driver"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(found[CHROMIUM]), str(found[CHROMEDRIVER])


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), (None, pytest.skip.Exception)]
)
def test_without_chromium_the_browser_tests_fail_under_ci_and_skip_elsewhere(
    monkeypatch, ci, outcome
):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium chromium-driver"):
        browser_paths()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module, with a profile of its own."""
    chromium, chromedriver = browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="vidu-mock-chromium-") as profile:
        options = Options()
        options.binary_location = chromium
        for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(chromedriver))
        driver.set_window_size(*WINDOW)
        try:
            yield driver
        finally:
            driver.quit()


class Dashboard:
    """The page, seen the way a user sees it: rows, buttons, fields."""

    def __init__(self, driver: Any, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self) -> Dashboard:
        self.driver.get(self.base_url + f"/_mock/ui?refresh={REFRESH_S}")
        self.driver.execute_script("sessionStorage.clear()")
        self.wait(lambda: self.text("#connection") in ("live", "refused"), "the page to load")
        return self

    def wait(self, condition: Callable[[], Any], what: str) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.wait import WebDriverWait

        return WebDriverWait(
            self.driver,
            WAIT_S,
            poll_frequency=0.05,
            ignored_exceptions=[StaleElementReferenceException],
        ).until(lambda _: condition(), f"waited {WAIT_S} s for {what}")

    def find(self, selector: str) -> Any:
        return self.driver.find_element("css selector", selector)

    def text(self, selector: str) -> str:
        return str(self.find(selector).text)

    def rows(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = self.driver.execute_script(ROWS)
        return rows

    def statuses(self) -> list[tuple[str, str]]:
        return [(row["task_id"], row["status"]) for row in self.rows()]

    def wait_for_statuses(self, expected: list[tuple[str, str]]) -> None:
        self.wait(lambda: self.statuses() == expected, f"the job rows {expected}")

    def click(self, selector: str) -> None:
        self.wait(lambda: self.find(selector).click() or True, f"a click on {selector}")

    def fill(self, selector: str, value: str) -> None:
        field = self.find(selector)
        field.clear()
        field.send_keys(value)

    def choose(self, selector: str, value: str) -> None:
        from selenium.webdriver.support.select import Select

        Select(self.find(selector)).select_by_value(value)

    def open_job(self, task_id: str) -> None:
        self.click(f'#jobs-body tr[data-task-id="{task_id}"]')
        self.wait(lambda: self.find("#detail").get_attribute("data-task-id") == task_id, "detail")


@pytest.fixture
def page(browser: Any, vidu_mock: ViduMock) -> Dashboard:
    return Dashboard(browser, vidu_mock.base_url).open()


@pytest.fixture
def client(vidu_mock: ViduMock) -> Client:
    return Client(vidu_mock)


def test_submitted_jobs_appear_newest_first_with_their_statuses(page, client, vidu_mock):
    assert page.find("#jobs-empty").is_displayed()
    done = client.task_id()
    finish(vidu_mock)
    vidu_mock.fail_next("content policy violation")
    failing = client.task_id()
    waiting = client.task_id({**VALID_BODY, "prompt": "a dog skateboarding"})
    page.wait_for_statuses([(waiting, QUEUED), (failing, QUEUED), (done, SUCCEED)])
    assert page.rows()[0]["prompt"] == "a dog skateboarding"
    assert page.rows()[1]["outcome"] == "fails processing: content policy violation"
    assert page.text("#jobs-total") == "3 jobs"
    finish(vidu_mock)  # the page follows without a reload
    page.wait_for_statuses([(waiting, SUCCEED), (failing, FAILED), (done, SUCCEED)])
    assert page.rows()[1]["outcome"] == "content policy violation"


@pytest.mark.parametrize(
    ("resolution", "duration", "size"), [("720p", 2, (1280, 720)), ("1080p", 3, (1920, 1080))]
)
def test_a_succeeded_job_plays_its_video_at_its_frame_size_and_duration(
    page, client, vidu_mock, resolution, duration, size
):
    task_id = client.task_id({**VALID_BODY, "resolution": resolution, "duration": duration})
    finish(vidu_mock)
    page.wait_for_statuses([(task_id, SUCCEED)])
    page.open_job(task_id)
    video = page.wait(lambda: page.driver.execute_script(VIDEO), "the video's metadata")
    assert (video["width"], video["height"]) == size
    assert video["duration"] == pytest.approx(duration, abs=0.05)
    result = page.text("#detail-result")
    assert client.video_url(task_id) in result


def test_an_unfinished_job_shows_its_timeline_and_no_video(page, client, vidu_mock):
    task_id = client.task_id()
    page.wait_for_statuses([(task_id, QUEUED)])
    page.open_job(task_id)
    timeline = page.text("#detail-timeline")
    stages = [line.split()[0] for line in timeline.split("\n")]
    assert stages == ["queued", "processing", "succeeded"]
    assert page.driver.execute_script(VIDEO) is None
    assert '"status": "TASK_STATUS_QUEUED"' in page.text("#detail-result")


def test_a_failure_scripted_from_the_page_fails_the_next_job(page, client, vidu_mock):
    page.choose("#script-kind", "fail")
    page.fill("#script-reason", "nsfw content detected")
    page.choose("#script-stage", "queued")
    page.click("#script-button")
    page.wait(
        lambda: "nsfw content detected" in page.text("#pending-scripts"), "the pending script"
    )
    assert vidu_mock.pending_scripts()["next"] == [
        {"fail": "nsfw content detected", "stage": "queued"}
    ]
    task_id = client.task_id()
    finish(vidu_mock)
    page.wait_for_statuses([(task_id, FAILED)])
    assert client.task(task_id)["reason"] == "nsfw content detected"
    assert page.text("#pending-scripts") == "nothing scripted"


def test_a_rejection_and_a_stuck_job_scripted_from_the_page(page, client, vidu_mock):
    page.choose("#script-kind", "reject")
    page.choose("#script-status", "429")
    page.click("#script-button")
    page.wait(lambda: "rejected 429" in page.text("#pending-scripts"), "the pending rejection")
    assert client.submit().status_code == 429
    page.choose("#script-kind", "stuck")
    page.choose("#script-stage", "processing")
    page.click("#script-button")
    page.wait(lambda: "stuck processing" in page.text("#pending-scripts"), "the pending stuck job")
    task_id = client.task_id()
    finish(vidu_mock)
    page.wait_for_statuses([(task_id, PROCESSING)])
    assert page.rows()[0]["outcome"] == "stuck processing"


def test_advancing_the_clock_from_the_page_moves_a_job(page, client, vidu_mock):
    task_id = client.task_id()
    before = vidu_mock.now()
    page.wait_for_statuses([(task_id, QUEUED)])
    page.click('#advance-quick button[data-seconds="10"]')  # queues last 2 to 10 s
    page.wait_for_statuses([(task_id, PROCESSING)])
    page.fill("#advance-seconds", "600")
    page.click("#advance-button")
    page.wait_for_statuses([(task_id, SUCCEED)])
    assert vidu_mock.now() == before + 610
    assert "Advanced the clock by 10 min" in page.text("#control-message")


def test_the_progression_is_changed_from_the_page(page, client, vidu_mock):
    page.choose("#progression-kind", "polls")
    page.fill("#progression-polls", "2")
    page.click("#progression-form button")
    page.wait(lambda: page.text("#progression-now") == "polls:2", "the new progression")
    assert vidu_mock.settings["progression"] == "polls:2"


@pytest.mark.vidu_mock(clock="real")
def test_with_a_real_clock_the_page_says_it_cannot_advance_it(page):
    page.wait(lambda: page.find("#clock-hint").is_displayed(), "the real-clock hint")
    assert not page.find("#advance-button").is_enabled()


def test_reset_from_the_page_forgets_jobs_and_requests(page, client):
    task_id = client.task_id()
    page.wait_for_statuses([(task_id, QUEUED)])
    page.click("#reset-button")
    page.wait(lambda: page.rows() == [], "an empty job list")
    page.wait(lambda: page.driver.execute_script(JOURNAL) == [], "an empty journal")
    assert client.poll(task_id).status_code == 404


def test_a_prompt_with_markup_is_shown_as_text(page, client):
    prompt = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> a cat'
    task_id = client.task_id({**VALID_BODY, "prompt": prompt})
    page.wait_for_statuses([(task_id, QUEUED)])
    assert page.rows()[0]["prompt"] == prompt
    page.open_job(task_id)
    assert prompt.replace('"', '\\"') in page.text("#detail-request")
    page.wait(lambda: page.driver.execute_script(JOURNAL), "the submit in the journal")
    page.click("#journal-body tr")
    assert "<script>window.pwned = 1</script>" in page.text("#exchange-request")
    injected = page.driver.execute_script(
        "return [window.pwned, document.querySelectorAll('main script, main img').length]"
    )
    assert injected == [None, 0]


def test_the_journal_shows_requests_live_with_reasons_and_the_redacted_exchange(
    page, client, vidu_mock
):
    client.submit({**VALID_BODY, "duration": 11})
    client.poll("no-such-task")
    entries = page.wait(
        lambda: (
            len(page.driver.execute_script(JOURNAL)) == 2 and page.driver.execute_script(JOURNAL)
        ),
        "two requests",
    )
    assert [(entry["index"], entry["status"]) for entry in entries] == [(2, 404), (1, 400)]
    assert "TASK_NOT_FOUND" in entries[0]["text"]
    assert "INVALID_REQUEST_BODY" in entries[1]["text"]
    page.click('#journal-body tr[data-index="1"]')
    request, response = page.text("#exchange-request"), page.text("#exchange-response")
    assert '"Authorization": "Bearer ***"' in request
    assert vidu_mock.api_key not in request
    assert "duration: 11 is greater than the maximum of 10" in response


@pytest.mark.vidu_mock(control_token=TOKEN)
def test_with_a_control_token_the_page_says_it_was_refused_and_takes_the_token(page, client):
    assert page.text("#connection") == "refused"
    assert "X-Vidu-Mock-Token" in page.text("#refusal-message")
    task_id = client.task_id()
    page.fill("#token-input", TOKEN)
    page.click("#token-form button")
    page.wait_for_statuses([(task_id, QUEUED)])
    assert not page.find("#refusal").is_displayed()
    assert page.text("#connection") == "live"


def fill_store(count: int) -> Any:
    """A fake with `count` jobs, submitted straight to its backend, served on 127.0.0.1."""
    settings = Settings.from_strings({"seed": "5", "clock": "virtual", "port": "0"})
    app = create_app(settings)
    backend = fake_of(app).backend
    params = defaulted(VALID_BODY)
    ids = [backend.submit(params).task_id for _ in range(count)]
    return app, ids


def test_with_ten_thousand_jobs_the_page_shows_one_page_and_pages_through(browser):
    app, ids = fill_store(10_000)
    with BackgroundServer(app) as server:
        page = Dashboard(browser, server.base_url).open()
        page.wait(lambda: page.text("#jobs-total") == "10,000 jobs", "the total")
        page.wait(lambda: len(page.rows()) == 50, "one page of rows")
        assert [row["task_id"] for row in page.rows()] == ids[::-1][:50]
        assert page.text("#page-label") == f"1{DASH}50"
        page.click("#older-button")
        page.wait(lambda: page.text("#page-label") == f"51{DASH}100", "the second page")
        assert [row["task_id"] for row in page.rows()] == ids[::-1][50:100]
        page.click("#newer-button")
        page.wait(lambda: page.text("#page-label") == f"1{DASH}50", "the first page again")


def test_the_screenshot_shows_jobs_in_every_state_a_video_and_the_journal(
    page, client, vidu_mock, tmp_path
):
    """Also writes the README's screenshot when VIDU_DASHBOARD_SCREENSHOT names a file."""
    done = client.task_id(
        {**VALID_BODY, "prompt": "a cat surfing a wave at sunset, cinematic", "duration": 3}
    )
    client.task_id(
        {
            **VALID_BODY,
            "prompt": "a dog skateboarding down a hill",
            "resolution": "1080p",
            "duration": 4,
        }
    )
    vidu_mock.advance(40)
    vidu_mock.fail_next("content policy violation")
    client.task_id({**VALID_BODY, "prompt": "a scene the moderation refuses"})
    client.task_id({**VALID_BODY, "prompt": "<script>alert(1)</script> a robot dancing"})
    vidu_mock.stick_next("processing")
    client.task_id({**VALID_BODY, "prompt": "a job that never finishes"})
    vidu_mock.advance(25)
    client.task_id({**VALID_BODY, "prompt": "a lighthouse in a storm, slow zoom", "duration": 8})
    client.submit({**VALID_BODY, "duration": 11})
    client.poll(done)
    client.poll("no-such-task")
    vidu_mock.fail_next("image download failed", stage="queued")
    page.wait(lambda: len(page.rows()) == 6, "six jobs")
    page.open_job(done)
    page.wait(lambda: page.driver.execute_script(LOADED), "the whole video")
    page.click('#journal-body tr[data-status="400"]')
    target = os.environ.get(SCREENSHOT_ENV)
    if target:
        time.sleep(CONTROLS_SETTLE_S)
    path = tmp_path / "dashboard.png"
    page.driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def test_the_page_fetches_nothing_but_the_fake_itself(page, client, vidu_mock):
    task_id = client.task_id()
    finish(vidu_mock)
    page.wait_for_statuses([(task_id, SUCCEED)])
    page.open_job(task_id)
    page.wait(lambda: page.driver.execute_script(VIDEO), "the video")
    fetched = page.driver.execute_script(
        "return performance.getEntriesByType('resource').map((entry) => entry.name)"
    )
    assert fetched
    assert all(url.startswith(vidu_mock.base_url + "/") for url in fetched), fetched
    headers = requests.get(vidu_mock.url("/_mock/ui"), timeout=10).headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
