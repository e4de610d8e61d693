"""kinema studio in a real headless browser (Debian's chromium and chromedriver): type a prompt, see the physics
preview play, generate with a few steps and see the video load.

Screenshots go to $KINEMA_STUDIO_SCREENSHOTS (docs/studio/ for the docs), else to the test's folder;
$KINEMA_STUDIO_MODEL picks the model (the shipped one for the docs), else a tiny random one. Without chromium the
test is skipped, unless $KINEMA_REQUIRE_BROWSER is set (CI sets it), where it fails.
"""

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import torch
import uvicorn

from dit.checkpoint import save_generator
from dit.config import preset
from dit.generator import GeneratorConfig, VideoGenerator
from hybrid.studio.app import create_app
from hybrid.studio.workspace import Workspace

PROMPT = "a red ball rolls toward a tower of three cubes"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("KINEMA_REQUIRE_BROWSER"):
        raise RuntimeError("the browser test needs Debian's chromium and chromium-driver (apt-get install chromium "
                           "chromium-driver)")
    pytest.skip("no chromium/chromedriver here (apt-get install chromium chromium-driver)", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PLAYING = "const v = document.getElementById(arguments[0]); return v.readyState >= 2 && v.currentTime > 0 && !v.paused"
LOADED = "return document.getElementById(arguments[0]).readyState >= 2"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    model = os.environ.get("KINEMA_STUDIO_MODEL")
    if not model:
        torch.manual_seed(0)
        config = GeneratorConfig.from_captions([PROMPT], preset("tiny"), text_depth=1, text_heads=2, max_length=64)
        model = str(save_generator(VideoGenerator(config), tmp_path_factory.mktemp("model") / "tiny"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(model=model, workspace=Workspace(tmp_path_factory.mktemp("studio")))
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the studio did not start"
    yield f"http://127.0.0.1:{port}/"
    running.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--autoplay-policy=no-user-gesture-required", "--window-size=1500,1150"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def set_steps(browser) -> None:
    """The page's sampler steps: $KINEMA_STUDIO_STEPS, else 2."""
    steps = browser.find_element(By.ID, "steps")
    steps.clear()
    steps.send_keys(os.environ.get("KINEMA_STUDIO_STEPS", "2"))


def screenshot_of_the_result(browser, path: Path) -> None:
    """Once the result video plays: the page scrolled to its end, saved at `path`."""
    WebDriverWait(browser, 30).until(lambda driver: driver.execute_script(PLAYING, "video"))
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    browser.save_screenshot(str(path))


def test_a_new_user_types_a_prompt_sees_the_physics_and_generates(server, browser, tmp_path):
    shots = Path(os.environ.get("KINEMA_STUDIO_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    browser.get(server)
    WebDriverWait(browser, 30).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#library option")) > 1)
    browser.find_element(By.ID, "prompt").send_keys(PROMPT)
    typed = time.monotonic()
    WebDriverWait(browser, 60, poll_frequency=0.05).until(lambda driver: driver.execute_script(PLAYING, "preview"))
    latency = time.monotonic() - typed
    print(f"physics preview playing {latency:.2f} s after the last key (400 ms of it the debounce)")
    summary = browser.find_element(By.ID, "summary").text
    assert "ball" in summary and "cube" in summary and "caption" in summary
    assert browser.find_element(By.ID, "messages").text == ""
    browser.save_screenshot(str(shots / "preview.png"))

    set_steps(browser)
    started = time.monotonic()
    browser.find_element(By.ID, "generate").click()
    WebDriverWait(browser, 900, poll_frequency=0.2).until(lambda driver: driver.execute_script(LOADED, "video"))
    print(f"generated video loaded {time.monotonic() - started:.1f} s after Generate")
    links = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#downloads a")]
    assert {"video.mp4", "video.gif", "video.json", "scene.json"} <= set(links)
    assert "done" in browser.find_element(By.ID, "stage").text
    screenshot_of_the_result(browser, shots / "generated.png")


def test_a_library_scene_compares_with_and_without_controls(server, browser, tmp_path):
    shots = Path(os.environ.get("KINEMA_STUDIO_SCREENSHOTS") or tmp_path)
    browser.get(server)
    browser.find_element(By.ID, "tab-script").click()
    WebDriverWait(browser, 30).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#library option")) > 1)
    browser.find_element(By.CSS_SELECTOR, "#library option[value=glass_shatters]").click()
    WebDriverWait(browser, 60, poll_frequency=0.05).until(lambda driver: driver.execute_script(PLAYING, "preview"))
    assert "vase" in browser.find_element(By.ID, "summary").text
    set_steps(browser)
    browser.find_element(By.ID, "compare").click()
    WebDriverWait(browser, 900, poll_frequency=0.2).until(
        lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#metrics tr")) > 1)
    header = browser.find_element(By.CSS_SELECTOR, "#metrics tr").text
    assert "all controls" in header and "none" in header and "mask_iou" in browser.find_element(By.ID, "metrics").text
    screenshot_of_the_result(browser, shots / "compare.png")


def test_a_script_error_is_shown_at_its_line(server, browser, tmp_path):
    shots = Path(os.environ.get("KINEMA_STUDIO_SCREENSHOTS") or tmp_path)
    browser.get(server)
    browser.find_element(By.ID, "tab-script").click()
    browser.find_element(By.ID, "script").send_keys("bodies:\n  - shape: sphere\n    colour: red\n")
    WebDriverWait(browser, 30, poll_frequency=0.05).until(
        lambda driver: "noun is missing" in driver.find_element(By.ID, "messages").text)
    assert "scene.yaml:2: bodies[0]" in browser.find_element(By.ID, "messages").text
    assert browser.find_element(By.CSS_SELECTOR, "#gutter .bad").text == "2"
    browser.save_screenshot(str(shots / "script_error.png"))
