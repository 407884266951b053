"""The rendered map in a real headless Chromium (Debian's), with every network request blocked."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from network_data import ZAKIROV, injection_graph

from parkgraph import ParkGraph
from parkgraph.network import to_networkx
from parkgraph.render import write_map

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
COUNTS = "[parkgraphMap.network.body.nodeIndices.length, parkgraphMap.network.body.edgeIndices.length]"


class Watch:
    """What a page did that it must not: console errors, page errors, dialogs, network requests."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def open_map(browser: object, path: Path) -> tuple[object, Watch]:
    """Open a map file in a fresh offline page; wait until its physics has settled and stopped."""
    watch = Watch()
    context = browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)

    def route(route: object) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            watch.requests.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda msg: watch.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))

    def dialog(d: object) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(path.as_uri())
    page.wait_for_function("window.parkgraphMap && window.parkgraphMap.state.stabilized === true", timeout=60_000)
    return page, watch


@pytest.fixture(scope="module")
def curated(pg: ParkGraph, tmp_path_factory: pytest.TempPathFactory) -> tuple[nx.MultiDiGraph, Path]:
    network = to_networkx(pg, lang="ru")
    return network, write_map(network, tmp_path_factory.mktemp("map") / "map.html", lang="ru")


def test_map_draws_the_exported_graph_offline(browser: object, curated: tuple[nx.MultiDiGraph, Path]) -> None:
    network, path = curated
    page, watch = open_map(browser, path)
    try:
        assert page.evaluate(COUNTS) == [network.number_of_nodes(), network.number_of_edges()]
        assert page.evaluate("parkgraphMap.network.physics.options.enabled") is False  # settled, then stopped
        kinds = {d["kind"] for _, d in network.nodes(data=True)}
        assert page.locator("#pg-legend input[data-kind]").count() == len(kinds)
        assert page.locator("#pg-search").is_visible()

        page.fill("#pg-search", "Закиров")
        page.click("#pg-search-button")
        assert page.evaluate("parkgraphMap.network.getSelectedNodes()") == [ZAKIROV]
        assert "Фарид Закиров" in page.inner_text("#pg-search-result")

        # filtering by class hides exactly that class and its edges
        people = [n for n, k in network.nodes(data="kind") if k == "person"]
        before = page.evaluate("parkgraphMap.network.getPositions()")
        page.uncheck('#pg-legend input[data-kind="person"]')
        hidden_edges = sum(1 for u, v in network.edges() if u in people or v in people)
        assert page.evaluate(COUNTS) == [network.number_of_nodes() - len(people),
                                         network.number_of_edges() - hidden_edges]
        page.check('#pg-legend input[data-kind="person"]')
        assert page.evaluate(COUNTS) == [network.number_of_nodes(), network.number_of_edges()]
        after = page.evaluate("parkgraphMap.network.getPositions()")
        assert all(after[n] == pytest.approx(before[n]) for n in people)  # shown again where they were

        page.evaluate("parkgraphMap.network.unselectAll(); parkgraphMap.network.fit({animation: false})")
        page.fill("#pg-search", "")
        page.evaluate("document.getElementById('pg-search-result').textContent = ''")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "map.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        if os.environ.get("PARKGRAPH_UPDATE_SCREENSHOT") == "1":  # `make screenshot`: the README's picture
            shutil.copyfile(shot, ROOT / "docs" / "map.png")
        assert watch.errors == [] and watch.requests == [] and watch.dialogs == []
    finally:
        page.context.close()


def test_injection_payloads_do_not_execute(browser: object, tmp_path: Path) -> None:
    network = to_networkx(injection_graph())
    path = write_map(network, tmp_path / "hostile.html", lang="en",
                     title="<img src=x onerror=\"window.__pwned='title'\">")
    page, watch = open_map(browser, path)
    try:
        assert page.evaluate(COUNTS) == [network.number_of_nodes(), network.number_of_edges()]
        evil = [n for n in network.nodes if "evil" in n or n.startswith("javascript:")]
        assert len(evil) == 3
        for node in evil:
            # hover each hostile node so that vis-network shows its tooltip
            x, y = page.evaluate(
                "(id) => { const p = parkgraphMap.network.canvasToDOM(parkgraphMap.network.getPosition(id));"
                " const r = document.getElementById('pg-network').getBoundingClientRect();"
                " return [p.x + r.left, p.y + r.top]; }",
                node,
            )
            page.mouse.move(x, y)
            page.wait_for_selector("div.vis-tooltip", state="visible", timeout=10_000)
            tip = page.inner_text("div.vis-tooltip")
            assert network.nodes[node]["label"].replace("\u2028", "") in tip.replace("\u2028", "")
            page.mouse.move(1, 1)
        # and the edge whose role label is hostile shows its tooltip as text too
        edge = page.evaluate(
            "() => parkgraphMap.edges.get().find(e => e.from === 'https://example.org/evil/person').id"
        )
        x, y = page.evaluate(
            "(id) => { const net = parkgraphMap.network;"
            " const p = net.canvasToDOM(net.body.edges[id].edgeType.getPoint(0.5));"
            " const r = document.getElementById('pg-network').getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; }",
            edge,
        )
        page.mouse.move(x, y)
        page.wait_for_selector("div.vis-tooltip", state="visible", timeout=10_000)
        assert "<img src=r onerror=" in page.inner_text("div.vis-tooltip")
        page.mouse.move(1, 1)
        page.fill("#pg-search", "<img src=x onerror=")
        page.click("#pg-search-button")
        page.wait_for_timeout(500)  # give any injected handler the chance to run
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('img, svg, iframe, a').length") == 0
        assert page.title().startswith("<img src=x")
        assert watch.dialogs == [] and watch.errors == [] and watch.requests == []
    finally:
        page.context.close()
