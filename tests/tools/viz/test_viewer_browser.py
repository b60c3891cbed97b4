"""The interactive viewer in a real browser: headless Chromium driven by selenium.

Opens pages written by `resgraph viz X -o x.html`, checks the legend, unfolds and folds a block
by its arrow, clicks a layer and reads the side panel against the graph, searches, opens a dense
block's matrix, pans and zooms, and watches a `--serve` page reload after a save. Screenshots go
to the test's temporary folder; with RESGRAPH_UPDATE_SCREENSHOTS=1 they also replace
docs/img/viewer_*.png (the pictures docs/visualization.md shows). Skipped, with the reason,
where no Chromium or selenium is installed (.ci/run installs both).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from tests.cli.test_viz_serve import SPEC, save, served, wait_for_new_version
from tests.tools.viz.browser import chromium, errors, missing

import resgraph
from resgraph.tools import viz
from resgraph.tools.viz.matrix import connectivity

pytestmark = pytest.mark.skipif(missing() is not None, reason=f"no browser to drive: {missing()}")

DOCS_IMG = Path(__file__).resolve().parents[3] / "docs" / "img"


@pytest.fixture(scope="module")
def browser():
    with chromium(1400, 860) as driver:
        driver.set_script_timeout(30)
        yield driver


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """resnet50 with blocks folded (depth 1) and densenet121 as the default folds it."""
    out = tmp_path_factory.mktemp("pages")
    graphs = {"resnet50": resgraph.load("resnet50"), "densenet121": resgraph.load("densenet121")}
    files = {"resnet50": viz.write(graphs["resnet50"], out / "resnet50.html", depth=1),
             "densenet121": viz.write(graphs["densenet121"], out / "densenet121.html")}
    return graphs, files


def shoot(driver, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"viewer_{name}.png"
    assert driver.save_screenshot(str(path)) and path.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("RESGRAPH_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(path, DOCS_IMG / path.name)


def open_page(driver, page: Path | str) -> None:
    driver.get(page.as_uri() if isinstance(page, Path) else page)
    driver.execute_async_script(
        "const done = arguments[0]; (function wait() { window.resgraphViewer && resgraphViewer.firstPaint !== null"
        " ? done() : setTimeout(wait, 10); })();")


def box(driver, text: str):
    """The drawn box whose first line reads `text` (a folded block's name, a layer's label)."""
    from selenium.webdriver.common.by import By

    found = [b for b in driver.find_elements(By.CSS_SELECTOR, "g.bx") if b.text.split("\n")[0].strip("▸ ") == text]
    assert len(found) == 1, f"{len(found)} boxes read {text!r}"
    return found[0]


def test_the_legend_lists_only_the_kinds_the_model_has(browser, pages):
    from selenium.webdriver.common.by import By

    _, files = pages
    open_page(browser, files["densenet121"])
    legend = browser.find_element(By.ID, "legend").text
    assert "dense (concat)" in legend and "skip (add)" not in legend and "sequential" in legend
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # no network
    open_page(browser, files["resnet50"])
    legend = browser.find_element(By.ID, "legend").text
    assert "skip (add)" in legend and "dense (concat)" not in legend
    assert errors(browser) == []


def test_unfold_a_block_click_a_layer_and_read_the_panel(browser, pages, tmp_path):
    from selenium.webdriver.common.by import By

    graphs, files = pages
    g = graphs["resnet50"]
    open_page(browser, files["resnet50"])
    folded = browser.execute_script("return resgraphViewer.boxes()")
    box(browser, "layer2.0").find_element(By.CSS_SELECTOR, ".tog").click()
    assert browser.execute_script("return resgraphViewer.isOpen('layer2.0')")
    assert browser.execute_script("return resgraphViewer.boxes()") > folded
    layer = next(t for t in browser.find_elements(By.CSS_SELECTOR, "tspan[data-n]") if t.text == "conv 1x1/2, 512")
    layer.click()
    panel = browser.find_element(By.ID, "panel")
    assert panel.is_displayed()
    text = panel.text
    name = "layer2.0.downsample.0"
    cost, span = g.cost(name), g.span(name)
    assert text.startswith(name) and "conv" in text.split("\n")[1]
    assert "512×28×28" in text and f"{cost.params:,}" in text and f"{cost.macs:,}" in text
    assert f"resnet_blocks.rg:{span.line}:{span.col}" in text and "downsample" in text
    assert "layer2.0: bottleneck(" in text.replace("\n", " ")  # the block instance it sits in
    inputs = text.split("inputs\n")[1].split("\n")[0]
    assert inputs.startswith("layer1.2.out ") and "256×56×56" in inputs
    shoot(browser, tmp_path, "resnet50")
    header = browser.find_element(By.CSS_SELECTOR, f'g.hd[data-u] .tog[data-t="{layer_unit(browser, "layer2.0")}"]')
    header.click()
    assert not browser.execute_script("return resgraphViewer.isOpen('layer2.0')")
    assert browser.execute_script("return resgraphViewer.boxes()") == folded
    assert errors(browser) == []


def layer_unit(driver, path: str) -> str:
    return driver.execute_script(
        "return [...document.querySelectorAll('g.hd')].find(g => g.textContent.includes(arguments[0] + ':'))"
        ".dataset.u", path)


def test_search_opens_the_blocks_around_a_layer(browser, pages):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _, files = pages
    open_page(browser, files["densenet121"])
    assert not browser.execute_script("return resgraphViewer.isOpen('features.denseblock2')")
    q = browser.find_element(By.ID, "q")
    q.send_keys("denselayer7.conv2")
    hits = browser.find_element(By.ID, "hits").text.split("\n")
    assert hits[0].startswith("features.denseblock2.denselayer7.conv2")
    q.send_keys(Keys.ENTER)
    assert browser.execute_script("return resgraphViewer.isOpen('features.denseblock2.denselayer7')")
    assert browser.find_element(By.CSS_SELECTOR, "#panel h2").text == "features.denseblock2.denselayer7.conv2"
    selected = browser.find_element(By.CSS_SELECTOR, "tspan.sel")
    assert selected.text == "conv 3x3, 32" and selected.is_displayed()  # centred on it


def test_a_dense_blocks_matrix_is_one_click_away(browser, pages, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    graphs, files = pages
    open_page(browser, files["densenet121"])
    shoot(browser, tmp_path, "densenet121")
    browser.find_element(By.CSS_SELECTOR, ".mxb").click()  # denseblock1, open in the first picture
    overlay = browser.find_element(By.ID, "matrix")
    assert overlay.is_displayed()
    want = connectivity(graphs["densenet121"], "features.denseblock1")
    assert overlay.find_element(By.TAG_NAME, "h2").text == want.title
    rows = overlay.find_elements(By.CSS_SELECTOR, "table.matrix tr")
    assert len(rows) == len(want.rows) + 1
    filled = overlay.find_elements(By.CSS_SELECTOR, "table.matrix td[style]")
    assert len(filled) == len(want.cells)
    shoot(browser, tmp_path, "matrix")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    assert not overlay.is_displayed()


def test_pan_and_zoom_move_the_picture(browser, pages):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _, files = pages
    open_page(browser, files["resnet50"])
    svg = browser.find_element(By.ID, "canvas")

    def transform():
        return browser.execute_script("return document.querySelector('#canvas > g').getAttribute('transform')")

    start = transform()
    ActionChains(browser).move_to_element_with_offset(svg, -500, 300).click_and_hold() \
        .move_by_offset(120, -80).release().perform()
    panned = transform()
    assert panned != start and "scale(" in panned
    browser.find_element(By.ID, "zin").click()
    zoomed = transform()
    assert float(zoomed.split("scale(")[1][:-1]) > float(panned.split("scale(")[1][:-1])
    assert browser.find_element(By.ID, "panel").get_attribute("hidden")  # a drag is not a click


def drawn_units(driver) -> set[int]:
    return set(driver.execute_script("return [...document.querySelectorAll('#canvas g.bx')].map(g => +g.dataset.u)"))


def test_a_tall_picture_draws_only_what_is_near_the_view(browser, tmp_path):
    """cifar_resnet110 with every block open: what is laid out is far taller than the screen, and
    only the boxes near the view are in the page; zoomed out below the size text can be read,
    boxes without text; going to a layer far down draws it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    page = viz.write(resgraph.load("cifar_resnet110"), tmp_path / "r110.html", depth=1)
    open_page(browser, page)
    browser.execute_script("resgraphViewer.openAll()")
    boxes, drawn = browser.execute_script("return [resgraphViewer.boxes(), resgraphViewer.drawn()]")
    assert boxes > 100 and 0 < drawn < boxes / 2
    assert browser.find_elements(By.CSS_SELECTOR, "#canvas g.bx text")
    first = drawn_units(browser)
    svg = browser.find_element(By.ID, "canvas")
    for _ in range(4):  # drag the picture up by 2,400 pixels: past the margin drawn around the view
        ActionChains(browser).move_to_element_with_offset(svg, 0, 300).click_and_hold().move_by_offset(0, -300) \
            .move_by_offset(0, -300).release().perform()
    time.sleep(0.2)
    later = drawn_units(browser)
    assert later and later != first and max(later) > max(first)
    browser.execute_script("resgraphViewer.select('fc')")  # the last layer, far below
    assert browser.find_element(By.CSS_SELECTOR, "tspan.sel").text == "linear 10"
    browser.find_element(By.ID, "fit").click()  # the whole model: far too small for text
    assert browser.execute_script("return resgraphViewer.drawn()") == boxes
    assert not browser.find_elements(By.CSS_SELECTOR, "#canvas g.bx text")
    assert errors(browser) == []


def test_a_served_page_reloads_when_the_spec_is_saved(browser, tmp_path):
    from selenium.webdriver.common.by import By

    spec = tmp_path / "net.rg"
    spec.write_text(SPEC)
    with served(spec) as url:
        open_page(browser, url)
        assert box(browser, "adaptive_avgpool 1x1 · flatten").text.endswith("\n10")
        version = browser.execute_script("return JSON.parse(document.getElementById('rg-data').textContent).live.version")
        save(spec, SPEC.replace("linear(10)", "linear(12)"))
        wait_for_new_version(url, version)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the page polls /version and reloads itself
            boxes = browser.find_elements(By.CSS_SELECTOR, "g.bx")
            if any(b.text.endswith("\n12") for b in boxes if "flatten" in b.text):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the page did not reload with the saved spec")
