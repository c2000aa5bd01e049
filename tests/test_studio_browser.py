"""The spec studio as a person uses it, in a real headless Chromium (the system's, driven by
Selenium with the system's chromedriver; nothing is downloaded): type a spec, see the problem
marked on its line, fix it, open a stage and an SK unit from the diagram and come back, download
the SVG, pin a version and compare, open a shipped spec from the menu.

Each step's screenshot goes to a temporary folder, or to ``SKBUILDER_STUDIO_SHOTS`` when set
(``docs/studio`` for the pictures of docs/studio.md). Skipped where no browser can be had:
``make browser`` installs Chromium and chromedriver on Debian.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver")

from tests.hostile_cases import at  # noqa: E402
from tools.make_docs import STUDIO_SHOTS  # noqa: E402

pytestmark = pytest.mark.slow

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Typed into the editor: G=32 does not divide mid_width 100 (line 5).
TYPED = """name: mine
sk: {M: 2, G: 32, r: 16}
stages:
  - {name: conv2, depth: 3, mid_width: 128, out_width: 256, stride: 1}
  - {name: conv3, depth: 4, mid_width: 100, out_width: 512, stride: 2}
head: {num_classes: 10}
"""
WAIT_S = 20


def _browser() -> tuple[str, str]:
    binary = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip(
            "no Chromium and chromedriver on PATH (Debian: `make browser` installs the "
            "chromium and chromium-driver packages)"
        )
    return binary, driver


@pytest.fixture(scope="module")
def studio() -> Iterator[str]:
    """A real uvicorn serving the studio on a free loopback port, in a thread."""
    import uvicorn

    from skbuilder.cli.serve import _bind, _start
    from skbuilder.studio.app import make_app
    from skbuilder.studio.guard import served_hosts

    sock = _bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = make_app(_start("sknet50"), hosts=served_hosts("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the studio did not start"
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    binary, driver = _browser()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1500,950",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # Selenium Manager, if asked at all, fetches nothing
        try:
            chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
        except WebDriverException as exc:
            pytest.skip(f"Chromium did not start: {str(exc).splitlines()[0][:200]}")
    chrome.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("SKBUILDER_STUDIO_SHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def wait_for(chrome: Any, test: Any, what: str) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(
        chrome, WAIT_S, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
    ).until(lambda d: test(d), message=f"waited {WAIT_S} s for {what}")


def css(chrome: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return chrome.find_elements(By.CSS_SELECTOR, selector)


def compare_rows(chrome: Any) -> list[str]:
    """The comparison's rows as text, read at once (the page replaces them as it updates)."""
    script = "return [...document.querySelectorAll('#compare tbody tr')].map(r => r.innerText)"
    return list(chrome.execute_script(script))


def trail(chrome: Any) -> str:
    return str(css(chrome, "#trail")[0].text)


def test_a_person_writes_fixes_explores_and_downloads(
    studio: str, browser: Any, shots: Path, downloads: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    chrome = browser
    chrome.get(studio)
    wait_for(chrome, lambda d: css(d, "#diagram svg g.node"), "the first diagram")
    wait_for(chrome, lambda d: css(d, "#total-name")[0].text == "sknet50", "the totals")
    chrome.save_screenshot(str(shots / "1-opened.png"))

    # type a spec with a mistake: the problem is marked on its line, at its column
    editor = css(chrome, "#yaml")[0]
    editor.click()
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys(TYPED)
    line, column = map(int, at(TYPED, "100").split(":"))
    wait_for(chrome, lambda d: css(d, "#gutter .problem"), "a problem in the gutter")
    marked = [int(e.get_attribute("data-line")) for e in css(chrome, "#gutter .problem")]
    assert marked == [line]
    mark = css(chrome, "#backdrop mark")[0]
    assert (int(mark.get_attribute("data-line")), int(mark.get_attribute("data-column"))) == (
        line,
        column,
    )
    assert mark.text == "100"
    problem = css(chrome, "#problems li")[0]
    assert problem.text.startswith(f"{line}:{column} spec.stages.1.mid_width: G=32 must divide")
    chrome.save_screenshot(str(shots / "2-problem.png"))

    # fix it where it is: the problem's entry puts the cursor there
    problem.click()
    editor.send_keys(Keys.DELETE * 3, "128")
    wait_for(chrome, lambda d: not css(d, "#gutter .problem"), "the problem to go")
    wait_for(chrome, lambda d: css(d, "#total-name")[0].text == "mine", "the new totals")
    wait_for(chrome, lambda d: "mine @" in d.find_element("id", "diagram").text, "its diagram")
    assert css(chrome, "#problems li.fine")
    chrome.save_screenshot(str(shots / "3-fixed.png"))

    # a click on a stage's box opens the stage; Back returns
    label = css(chrome, '#diagram g.cluster[data-open^="stage:conv3"] > text')[0]
    ActionChains(chrome).move_to_element(label).click().perform()
    wait_for(chrome, lambda d: "stage conv3" in trail(d), "the stage view")
    wait_for(chrome, lambda d: "stage conv3: 4" in d.find_element("id", "diagram").text, "stage")
    chrome.save_screenshot(str(shots / "4-stage.png"))
    css(chrome, "#back")[0].click()
    wait_for(chrome, lambda d: trail(d) == "network", "the network again")

    # a click on an SK unit opens the block view
    wait_for(chrome, lambda d: css(d, '#diagram g.node[data-open^="block:conv2"]'), "SK unit")
    unit = css(chrome, '#diagram g.node[data-open^="block:conv2"]')[0]
    assert "sk" in unit.get_attribute("class").split()
    ActionChains(chrome).move_to_element(unit).click().perform()
    wait_for(chrome, lambda d: "block 1" in trail(d), "the block view")
    wait_for(chrome, lambda d: "conv2, block 1 of 3" in d.find_element("id", "diagram").text, "it")
    chrome.save_screenshot(str(shots / "5-block.png"))

    # download the diagram shown (the SK unit) as SVG
    css(chrome, "#save-svg")[0].click()
    saved = downloads / "mine-conv2-block1.svg"
    wait_for(chrome, lambda d: saved.is_file() and saved.stat().st_size > 0, "the SVG file")
    assert b"<svg" in saved.read_bytes() and b"conv2, block 1 of 3" in saved.read_bytes()
    css(chrome, "#back")[0].click()
    wait_for(chrome, lambda d: trail(d) == "network", "the network again")

    # pin this version, deepen a stage: the cost beside the pinned one
    css(chrome, "#pin")[0].click()
    wait_for(chrome, lambda d: d.find_element("id", "compare-box").is_displayed(), "comparison")
    goto = at(TYPED, "depth: 4")
    chrome.execute_script(  # put the cursor on the depth, as a click there would
        "const [l, c] = arguments[0].split(':').map(Number);"
        "const t = document.getElementById('yaml');"
        "const rows = t.value.split('\\n'); let o = 0;"
        "for (let i = 0; i < l - 1; i++) o += rows[i].length + 1;"
        "t.focus(); t.setSelectionRange(o + c + 6, o + c + 7);",
        goto,
    )
    editor.send_keys("8")
    wait_for(
        chrome,
        lambda d: any(r.startswith("conv3") and "+" in r for r in compare_rows(d)),
        "the change of conv3",
    )
    chrome.execute_script("document.getElementById('compare-box').scrollIntoView()")
    chrome.save_screenshot(str(shots / "6-compare.png"))
    rows = {r.split()[0]: r for r in compare_rows(chrome)}
    assert rows["conv2"].split()[3] == "0" and rows["conv3"].split()[3].startswith("+")

    # a shipped spec from the menu, which extends another (`extends: ../sknet50.yaml`)
    from selenium.webdriver.support.ui import Select

    Select(css(chrome, "#picker")[0]).select_by_value("ablations/k3")
    wait_for(chrome, lambda d: css(d, "#total-name")[0].text == "k3", "the shipped spec")
    assert css(chrome, "#problems li.fine")
    assert not [e for e in chrome.get_log("browser") if e["level"] == "SEVERE"]
    assert {p.stem for p in shots.glob("*.png")} >= set(STUDIO_SHOTS)  # docs/studio.md's
