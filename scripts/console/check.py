#!/usr/bin/env python3
"""The staff console driven in headless Chromium, as staff would use it.

Run by scripts/console-check.sh (`make console-check`), which starts `jifen serve` and
`jifen work`, seeds two tenants through the API (scripts/console/seed.py, whose output is
--seed) and prints the owner's and the viewer's invitation paths (`jifen staff invite`).
The pages' contract: docs/console.md. Every assertion is on the rendered DOM (or, where the
contract is a status, on what a request with the browser's session cookies gets).

Sections (each runs even when an earlier one failed, unless it needs that one's outcome):

  owner       accepts the invitation, a wrong password (401 [role=alert]), then signs in with
              the keyboard only (Tab reaches email, password, submit in order; Enter submits);
              the session cookie's flags
  members     search by email and by phone, the member page (balance, ledger, lots, orders)
  adjustment  Tab reaches the adjustment form's fields; an invalid one (422 [role=alert]); +50
              goodwill with a note: [role=status], balance +50, the new ledger row first; a
              forged POST without the CSRF token changes nothing
  program     a negative earning rate (422, the field error), the preview, a valid change
  webhooks    the failed delivery replayed
  charts      reports, campaigns and journeys: an svg.chart and a table each
  staff       the owner invites a staff member on /console/staff; they accept, sign in, may adjust
              (not beyond the staff limit), get 403 on /console/staff; the owner revokes their
              sessions: they are signed out
  isolation   the other tenant's member: not found by search, 404 by URL
  languages   every page in en and zh-Hans (switch link, cookie, CJK in the nav), screenshots
  viewer      a browser asking for zh (Accept-Language) gets zh-Hans; the viewer sees no
              adjustment form and a forged POST of one gets 403; /console/staff is 403; the
              program is read only, no replay
  sign-out    then the member URL leads to the sign-in page, also with the old session cookie

axe-core (selenium-axe-python) checks every page it visits against WCAG 2.1 A and AA (which
includes label, color-contrast, button-name, link-name, html-has-lang, document-title,
image-alt and svg-img-alt); a violation fails the check, listed with its elements. Screenshots:
<out>/<page>-<lang>.png (the whole page); axe's findings per page: <out>/axe-<page>-<lang>.json.
Waits are WebDriverWait with --deadline, never sleeps.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import re
import secrets
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from selenium_axe_python import Axe

# The rules the check must have run on every page (all are in the WCAG tags below).
REQUIRED_RULES = [
    "label",
    "color-contrast",
    "button-name",
    "link-name",
    "html-has-lang",
    "document-title",
    "image-alt",
    "svg-img-alt",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
CJK = re.compile(r"[\u3400-\u9fff]")
PASSWORD = "correct horse battery staple"


class Failure(Exception):
    """An expectation that does not hold; the message names the page, the expected and the found."""


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.sections: list[tuple[str, bool, float]] = []
        self.axe_pages = 0
        self.screenshots: list[str] = []

    def expect(self, ok: bool, page: str, expected: str, found: Any) -> bool:
        if not ok:
            self.failures.append(f"[{page}] expected {expected}; found {found}")
        return ok

    @contextlib.contextmanager
    def section(self, name: str) -> Iterator[None]:
        before = len(self.failures)
        started = time.monotonic()
        print(f"console check: {name} …", file=sys.stderr, flush=True)
        try:
            yield
        except Failure as failure:
            self.failures.append(f"[{name}] {failure}")
        except Exception as error:  # a bug or a WebDriver error: recorded, and the next section runs
            frames = traceback.extract_tb(error.__traceback__)
            where = ([f for f in frames if f.filename == __file__] or frames)[-1]
            message = str(error).split("\n")[0] or type(error).__name__
            self.failures.append(f"[{name}] {type(error).__name__}: {message} (check.py line {where.lineno})")
        self.sections.append((name, len(self.failures) == before, time.monotonic() - started))


class Browser:
    """One Chromium (one staff member's browser) with the helpers the sections use."""

    def __init__(self, args: argparse.Namespace, report: Report, lang: str = "en-US") -> None:
        self.base = args.base_url.rstrip("/")
        self.out = args.out
        self.deadline = args.deadline
        self.report = report
        options = webdriver.ChromeOptions()
        options.binary_location = args.chromium
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--window-size=1280,900",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            f"--lang={lang}",
        ):
            options.add_argument(flag)
        # Accept-Language follows the profile's languages, not --lang alone.
        languages = "zh-CN,zh" if lang.startswith("zh") else "en-US,en"
        options.add_experimental_option("prefs", {"intl.accept_languages": languages})
        self.driver: WebDriver = webdriver.Chrome(options=options, service=Service(args.chromedriver))
        self.driver.set_script_timeout(self.deadline)
        self.driver.set_page_load_timeout(self.deadline)

    def quit(self) -> None:
        with contextlib.suppress(WebDriverException):
            self.driver.quit()

    # -- reading the page --

    def path(self) -> str:
        parts = urllib.parse.urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def describe(self) -> str:
        """What the page shows, for a failure message: URL, title, alerts, the start of <main>."""
        d = self.driver
        try:
            alerts = [
                e.text.strip() for e in d.find_elements(By.CSS_SELECTOR, "[role=alert]") if e.text.strip()
            ]
            mains = d.find_elements(By.CSS_SELECTOR, "main")
            text = (mains[0] if mains else d.find_element(By.TAG_NAME, "body")).text.strip()
            text = re.sub(r"\s+", " ", text)[:240]
            parts = [f"url {self.path()}", f"title {d.title!r}"]
            if alerts:
                parts.append(f"[role=alert] {' | '.join(alerts)[:300]!r}")
            parts.append(f"page text {text!r}")
            return "; ".join(parts)
        except WebDriverException as error:
            return f"url {d.current_url} ({type(error).__name__} reading it)"

    def wait_ready(self) -> None:
        WebDriverWait(self.driver, self.deadline).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.wait_ready()

    def find(self, css: str, page: str, what: str | None = None) -> WebElement:
        """The element, waited for; a Failure saying what the page showed instead."""
        try:
            return WebDriverWait(self.driver, self.deadline).until(
                EC.presence_of_element_located((By.CSS_SELECTOR, css))
            )
        except TimeoutException:
            raise Failure(f"[{page}] expected {what or css} ({css}); found: {self.describe()}") from None

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def field_errors(self) -> list[str]:
        """The fields the page's error alert names (its `li[data-field]`)."""
        return [e.get_attribute("data-field") or "" for e in self.all("[role=alert] li[data-field]")]

    def absent(self, css: str) -> bool:
        return not self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_until(self, what: str, page: str, condition: Callable[[WebDriver], Any]) -> Any:
        try:
            return WebDriverWait(self.driver, self.deadline).until(condition)
        except TimeoutException:
            raise Failure(
                f"[{page}] expected {what} within {self.deadline:.0f} s; found: {self.describe()}"
            ) from None

    # -- acting --

    def fill(self, css: str, value: str, page: str) -> WebElement:
        field = self.find(css, page)
        field.clear()
        field.send_keys(value)
        return field

    def set_value(self, css: str, value: str, page: str) -> None:
        """Sets a (long) field's value at once, as a paste would."""
        field = self.find(css, page)
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            field,
            value,
        )

    def choose(self, css: str, value: str, page: str) -> None:
        """Selects the option of value (its value attribute, or its text without one)."""
        select = self.find(css, page)
        options = [o.get_attribute("value") for o in select.find_elements(By.TAG_NAME, "option")]
        if value not in options:
            raise Failure(f"[{page}] expected an option {value!r} in {css}; found {options}")
        Select(select).select_by_index(options.index(value))

    def navigate(self, action: Callable[[], Any], what: str, page: str) -> None:
        """Runs action (a click, a key) and waits until it has loaded another page: a mark set
        on the current window is gone and the new document is complete. (Not staleness_of an
        element: chromedriver may answer "Node … does not belong to the document" mid-way.)"""
        self.driver.execute_script("window.__consoleCheckMark = true")
        action()

        def loaded(d: WebDriver) -> bool:
            try:
                return d.execute_script(
                    "return !window.__consoleCheckMark && document.readyState === 'complete'"
                )
            except WebDriverException:
                return False  # between two documents

        self.wait_until(what, page, loaded)

    def submit(self, form_css: str, page: str) -> None:
        """Clicks the form's submit button and waits for the next page to load."""
        form = self.find(form_css, page)
        buttons = form.find_elements(
            By.CSS_SELECTOR, "button[type=submit], input[type=submit], button:not([type])"
        )
        if not buttons:
            raise Failure(
                f"[{page}] expected a submit button in {form_css}; found: {form.get_attribute('outerHTML')[:300]}"
            )
        self.navigate(buttons[0].click, f"the page after submitting {form_css}", page)

    def request(
        self,
        path: str,
        method: str = "GET",
        form: dict[str, str] | None = None,
        cookies: list[dict[str, Any]] | None = None,
    ) -> int:
        """The status of a request made with this browser's cookies, as the browser would send
        it from the console's own pages (same-origin), redirects not followed. (Not fetch() in
        the page: the console's Content-Security-Policy, default-src 'none', rightly blocks it.)"""
        parts = urllib.parse.urlsplit(self.base)
        jar = "; ".join(f"{c['name']}={c['value']}" for c in (cookies or self.driver.get_cookies()))
        headers = {
            "Cookie": jar,
            "Origin": self.base,
            "Sec-Fetch-Site": "same-origin",
            "Accept-Language": self.driver.execute_script("return navigator.languages.join(',')"),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.deadline)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def csrf(self, page: str) -> str:
        token = self.find("input[name=_csrf]", page, "a hidden _csrf input").get_attribute("value")
        if not token:
            raise Failure(f"[{page}] expected a value in input[name=_csrf]; found it empty")
        return token

    def tab_sequence(
        self, targets: list[str], limit: int = 250, typing: dict[str, str] | None = None
    ) -> list[str]:
        """Presses Tab on a freshly loaded page (focus starts at the top) until every target id
        has had focus, typing typing[id] into a field when it gets it; returns the ids (or tag
        names) that had focus, in order."""
        seen: list[str] = []
        first = None
        typing = typing or {}
        for _ in range(limit):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            element = self.driver.switch_to.active_element
            if first is None:
                first = element.id
            elif element.id == first:
                break  # round the page once
            focused = self.driver.execute_script(
                "const e = arguments[0]; return e.id || (e.tagName.toLowerCase() + ' ' +"
                " (e.textContent || e.value || '').trim().slice(0, 20))",
                element,
            )
            seen.append(focused)
            if focused in typing:
                ActionChains(self.driver).send_keys(typing[focused]).perform()
            if all(t in seen for t in targets):
                break
        return seen

    # -- checking a page --

    def check_page(self, name: str, lang: str) -> None:
        """The contract every page keeps, axe-core, and a whole-page screenshot."""
        r, d = self.report, self.driver
        page = f"{name}-{lang}"
        html_lang = d.find_element(By.TAG_NAME, "html").get_attribute("lang")
        r.expect(html_lang == lang, page, f'<html lang="{lang}">', f'lang="{html_lang}" ({self.path()})')
        r.expect(bool(d.title.strip()), page, "a <title>", "an empty one")
        r.expect(len(self.all("main#main")) == 1, page, "one <main id=main>", f"{len(self.all('main#main'))}")
        r.expect(bool(self.all('a.skip[href="#main"]')), page, 'a skip link a.skip[href="#main"]', "none")
        for hreflang in ("en", "zh-Hans"):
            r.expect(
                bool(self.all(f'a[hreflang="{hreflang}"]')),
                page,
                f'a language link a[hreflang="{hreflang}"]',
                "none",
            )
        navs = self.all("nav#nav")
        if navs:
            links = {
                urllib.parse.urlsplit(a.get_attribute("href") or "").path
                for a in navs[0].find_elements(By.TAG_NAME, "a")
            }
            wanted = {
                f"/console/{p}"
                for p in ("members", "program", "campaigns", "journeys", "reports", "webhooks")
            }
            r.expect(
                wanted <= links, page, f"nav#nav with links to {sorted(wanted)}", f"links {sorted(links)}"
            )
            r.expect(bool(self.all("form#sign-out")), page, "form#sign-out when signed in", "none")
        for form in self.all("form"):
            if (form.get_attribute("method") or "get").lower() != "post":
                continue
            r.expect(
                bool(form.find_elements(By.CSS_SELECTOR, "input[type=hidden][name=_csrf]")),
                page,
                "a hidden _csrf input in every POST form",
                f"none in form#{form.get_attribute('id') or '?'} (action {form.get_attribute('action')})",
            )
        for svg in self.all("svg.chart"):
            named = d.execute_script(
                "const s = arguments[0]; return s.getAttribute('role') === 'img' &&"
                " !!(s.getAttribute('aria-label') || s.getAttribute('aria-labelledby') || s.querySelector('title'))",
                svg,
            )
            r.expect(
                named,
                page,
                'every svg.chart role="img" with a name (aria-label or <title>)',
                (svg.get_attribute("outerHTML") or "")[:160],
            )
            # Something drawn: a shape with an area or a length, not an empty placeholder.
            drawn = d.execute_script(
                "return [...arguments[0].querySelectorAll('rect, path, line, polyline, polygon, circle')]"
                ".filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0 }).length",
                svg,
            )
            r.expect(
                drawn > 0,
                page,
                "every svg.chart to draw something (a rect, path, line … with a size)",
                f"nothing drawn in {(svg.get_attribute('outerHTML') or '')[:160]}",
            )
        foreign = d.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(u => !u.startsWith(location.origin))"
        )
        r.expect(not foreign, page, "no assets from elsewhere", foreign)
        self.axe(page)
        self.screenshot(page)

    def axe(self, page: str) -> None:
        d = self.driver
        Axe(d).inject()
        results = d.execute_async_script(
            "const [options, done] = arguments;"
            "axe.run(document, options).then(r => done(r)).catch(e => done({error: String(e)}));",
            AXE_OPTIONS,
        )
        if "error" in results:
            raise Failure(f"[{page}] axe-core did not run: {results['error']}")
        with open(f"{self.out}/axe-{page}.json", "w", encoding="utf-8") as f:
            json.dump(results["violations"], f, indent=2, ensure_ascii=False)
        # Rules axe ran: a rule the page has nothing for is still checked (inapplicable).
        ran = d.execute_script(
            "return axe.getRules(arguments[0]).map(r => r.ruleId)", AXE_OPTIONS["runOnly"]["values"]
        )
        missing = [rule for rule in REQUIRED_RULES if rule not in ran]
        self.report.expect(
            not missing, page, f"axe to run {REQUIRED_RULES}", f"{missing} not among its rules"
        )
        self.report.axe_pages += 1
        for violation in results["violations"]:
            nodes = []
            for node in violation["nodes"][:6]:
                target = " ".join(str(t) for t in node["target"])
                summary = re.sub(r"\s+", " ", node.get("failureSummary") or "").strip()
                nodes.append(f"{target}: {summary[:220]}")
            more = len(violation["nodes"]) - len(nodes)
            self.report.failures.append(
                f"[{page}] accessibility (axe {violation['id']}, {violation['impact']}): {violation['help']} — "
                + "; ".join(nodes)
                + (f"; and {more} more" if more > 0 else "")
            )

    def screenshot(self, page: str) -> None:
        d = self.driver
        metrics = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        content, viewport = metrics["cssContentSize"], metrics["cssLayoutViewport"]
        width = max(content["width"], viewport["clientWidth"])
        height = max(content["height"], viewport["clientHeight"])
        shot = d.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        path = f"{self.out}/{page}.png"
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        self.report.screenshots.append(path)

    # -- staff flows --

    def accept_invitation(self, invitation: str, name: str, page_lang: str, page: str = "invitation") -> None:
        self.open(invitation)
        self.find("form#accept", page, "the invitation form")
        self.check_page(page, page_lang)
        self.fill("input#name[name=name]", name, page)
        self.fill("input#password[name=password]", PASSWORD, page)
        self.fill("input#password-confirm[name=password_confirm]", PASSWORD, page)
        self.submit("form#accept", page)

    def sign_in(self, shop: str, email: str, page: str = "sign-in") -> None:
        self.open(f"/console/sign-in?shop={shop}")
        self.fill("input#email[name=email]", email, page)
        self.fill("input#password[name=password]", PASSWORD, page)
        self.submit("form#sign-in", page)
        self.wait_until(
            "to land on /console/members", page, lambda d: self.path().startswith("/console/members")
        )


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    seed = json.load(open(args.seed, encoding="utf-8"))
    member = seed["member"]
    other = seed["other_member"]
    member_path = f"/console/members/{member['id']}"
    report = Report()
    expect = report.expect
    browsers: list[Browser] = []
    state: dict[str, Any] = {}

    def browser(lang: str = "en-US") -> Browser:
        b = Browser(args, report, lang)
        browsers.append(b)
        return b

    try:
        owner = browser()

        with report.section("owner: invitation, sign-in, keyboard"):
            owner.accept_invitation(args.owner_invitation, "Mei Owner", "en")
            page = "sign-in"
            owner.wait_until(
                "a redirect to /console/sign-in?shop=<tenant>",
                page,
                lambda d: owner.path().startswith("/console/sign-in"),
            )
            shop = owner.find("input#shop[name=shop]", page).get_attribute("value")
            expect(shop == args.tenant, page, f"input#shop prefilled with {args.tenant}", repr(shop))
            owner.check_page("sign-in", "en")
            # A wrong password: a 401 page with an alert, no session.
            owner.fill("input#email[name=email]", args.owner_email, page)
            owner.fill("input#password[name=password]", "not the password at all", page)
            owner.submit("form#sign-in", page)
            owner.find("[role=alert]", page, "an alert for a wrong password")
            status = owner.request(
                "/console/sign-in",
                "POST",
                {
                    "_csrf": owner.csrf(page),
                    "shop": args.tenant,
                    "email": args.owner_email,
                    "password": "wrong" * 3,
                },
            )
            expect(status == 401, page, "401 for a wrong password", status)
            owner.open("/console/members")
            owner.wait_until(
                "/console/members to lead to the sign-in page after a wrong password",
                page,
                lambda d: owner.path().startswith("/console/sign-in"),
            )
            # The keyboard alone: Tab to the email, the password and the button, in order; Enter.
            owner.open(f"/console/sign-in?shop={args.tenant}")
            owner.find("form#sign-in", page)
            targets = ["email", "password", "sign-in-submit"]
            order = owner.tab_sequence(targets, typing={"email": args.owner_email, "password": PASSWORD})
            positions = [order.index(t) if t in order else -1 for t in targets]
            if not expect(
                -1 not in positions and positions == sorted(positions),
                page,
                "Tab to reach #email, #password, #sign-in-submit in that order",
                f"focus went {order}",
            ):
                raise Failure(f"[{page}] cannot sign in by keyboard")
            owner.navigate(
                ActionChains(owner.driver).send_keys(Keys.ENTER).perform,
                "Enter to submit the sign-in form",
                page,
            )
            owner.wait_until(
                "to land on /console/members after signing in",
                page,
                lambda d: owner.path().startswith("/console/members"),
            )
            cookie = owner.driver.get_cookie("jifen_console")
            expect(
                bool(cookie) and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
                page,
                "the session cookie jifen_console HttpOnly and SameSite=Strict",
                cookie,
            )
            owner.find("nav#nav", "members", "the navigation")
            owner.find("form#sign-out", "members", "the sign-out form")
            state["owner"] = True

        if not state.get("owner"):
            raise Failure("the owner could not sign in: the other sections need a session")

        with report.section("members: search by email and phone, the member page"):
            page = "members"
            for what, query in (("email", member["email"]), ("phone", member["phone"])):
                owner.open("/console/members")
                owner.fill("form#member-search input#q[name=q]", query, page)
                owner.submit("form#member-search", page)
                owner.find(
                    f'table#members tr[data-member="{member["id"]}"]',
                    page,
                    f"the member {member['id']} found by {what} {query}",
                )
                rows = owner.all("table#members tr[data-member]")
                expect(len(rows) == 1, page, f"one row for {what} {query}", f"{len(rows)} rows")
            link = owner.find(
                f'table#members tr[data-member="{member["id"]}"] a', page, "a link to the member page"
            )
            owner.navigate(link.click, "the member page", page)
            page = "member"
            expect(owner.path() == member_path, page, f"the link to lead to {member_path}", owner.path())
            balance = owner.find("#balance[data-points]", page, "the balance").get_attribute("data-points")
            expect(
                balance == str(member["available"]),
                page,
                f"#balance data-points={member['available']} (the API's)",
                balance,
            )
            for css in ("#tier", "table#lots", "table#ledger", "table#orders", "#coupons", "#wallet"):
                owner.find(css, page)
            rows = owner.all("table#ledger tr[data-points][data-reason]")
            expect(
                len(rows) >= 2,
                page,
                "the ledger's rows (2 orders' earnings, and the campaign's grant unless held out)",
                f"{len(rows)} rows",
            )
            orders = owner.driver.find_element(By.CSS_SELECTOR, "table#orders").text
            expect("cust-1001-o1" in orders, page, "order cust-1001-o1 in table#orders", orders[:200])

        with report.section("adjustment: keyboard, invalid, +50 goodwill, CSRF"):
            page = "member"
            owner.open(member_path)
            owner.find("form#adjustment", page, "the adjustment form (owner)")
            order = owner.tab_sequence(["points", "reason_code", "note"])
            for target in ("points", "reason_code", "note"):
                expect(
                    target in order,
                    page,
                    f"Tab to reach #{target} of form#adjustment",
                    f"focus went {order[-12:]}",
                )
            before = int(owner.find("#balance[data-points]", page).get_attribute("data-points"))
            # Invalid: 0 points (the API's "not 0"; the browser's own validation off, as a crafted
            # request would be).
            owner.driver.execute_script("document.querySelector('form#adjustment').noValidate = true")
            owner.fill("input#points[name=points]", "0", page)
            owner.submit("form#adjustment", page)
            owner.find("[role=alert]", page, "an alert for 0 points (422)")
            fields = owner.field_errors()
            expect(
                any("points" in f for f in fields),
                page,
                'the field error [role=alert] li[data-field="points"] for 0 points',
                f"fields {fields}",
            )
            # +50 goodwill.
            owner.open(member_path)
            owner.fill("input#points[name=points]", "50", page)
            owner.choose("select#reason_code[name=reason_code]", "goodwill", page)
            note = "Console check: parcel three days late"
            owner.fill("textarea#note[name=note]", note, page)
            owner.submit("form#adjustment", page)
            owner.find("[role=status]", page, "a status message after the adjustment")
            expect(
                owner.path().split("?")[0] == member_path, page, f"303 back to {member_path}", owner.path()
            )
            after = int(owner.find("#balance[data-points]", page).get_attribute("data-points"))
            expect(after == before + 50, page, f"#balance {before} + 50 = {before + 50}", after)
            first = owner.find("table#ledger tr[data-points][data-reason]", page)
            expect(
                (first.get_attribute("data-points"), first.get_attribute("data-reason"))
                == ("50", "goodwill"),
                page,
                'the newest ledger row data-points="50" data-reason="goodwill"',
                f'data-points="{first.get_attribute("data-points")}" data-reason="{first.get_attribute("data-reason")}"',
            )
            # The same POST with a wrong CSRF token changes nothing.
            status = owner.request(
                f"{member_path}/adjustments",
                "POST",
                {"_csrf": "forged", "points": "50", "reason_code": "goodwill", "note": "forged"},
            )
            expect(status == 403, page, "403 for an adjustment POST with a wrong _csrf", status)
            owner.open(member_path)
            now = owner.find("#balance[data-points]", page).get_attribute("data-points")
            expect(
                now == str(before + 50), page, f"the balance still {before + 50} after the forged POST", now
            )
            # The control: the same request with the session's own token is a 303 (so the 403s
            # above and the viewer's below are the console refusing, not the request's shape).
            status = owner.request(
                f"{member_path}/adjustments",
                "POST",
                {
                    "_csrf": owner.csrf(page),
                    # The form's one-time key, as the rendered form carries (a fresh one).
                    "_form": secrets.token_hex(16),
                    "points": "1",
                    "reason_code": "correction",
                    "note": "console check: the control request",
                },
            )
            expect(
                status == 303, page, "303 for the same POST with the session's _csrf (the control)", status
            )
            expect(
                owner.request(member_path) == 200,
                page,
                "200 for GET of the member page with the session",
                "not",
            )
            owner.open(member_path)
            now = owner.find("#balance[data-points]", page).get_attribute("data-points")
            expect(now == str(before + 51), page, f"the balance {before + 51} after the control's +1", now)

        with report.section("program: invalid, preview, valid change"):
            page = "program"
            owner.open("/console/program")
            text = owner.find("form#program textarea#program-json[name=program]", page).get_attribute("value")
            try:
                program = json.loads(text)
            except ValueError:
                raise Failure(
                    f"[{page}] expected the program as JSON in #program-json; found {text[:200]!r}"
                ) from None
            expect(
                program.get("currency") == "CNY",
                page,
                'the seeded program ("currency": "CNY")',
                program.get("currency"),
            )
            invalid = json.loads(text)
            invalid.setdefault("earning", {}).setdefault("rate", {})["points"] = -5
            owner.set_value("textarea#program-json", json.dumps(invalid, indent=2), page)
            owner.submit("form#program", page)
            fields = owner.field_errors()
            expect(
                any("earning" in f for f in fields),
                page,
                "a field error for the negative earning rate ([role=alert] li[data-field*=earning])",
                f"fields {fields}; {owner.describe()}",
            )
            if fields:
                owner.check_page("program-invalid", "en")
            # The preview: 259.00 yuan at 1 point per yuan.
            owner.open("/console/program")
            owner.fill("input#preview-amount[name=amount]", "259.00", page)
            owner.fill("input#preview-currency[name=currency]", "CNY", page)
            owner.submit("form#preview", page)
            points = owner.find("#preview-result[data-points]", page).get_attribute("data-points")
            expect(
                points == "259",
                page,
                '#preview-result data-points="259" (259.00 CNY, 1 point per yuan)',
                points,
            )
            # A valid change: 2 points per yuan; the preview follows it.
            changed = json.loads(text)
            changed["earning"]["rate"]["points"] = 2
            owner.open("/console/program")
            owner.set_value("textarea#program-json", json.dumps(changed, indent=2), page)
            owner.submit("form#program", page)
            owner.find("[role=status]", page, "a status message after saving a valid program")
            expect(
                owner.path().split("?")[0] == "/console/program",
                page,
                "303 back to /console/program",
                owner.path(),
            )
            owner.open("/console/program?amount=259.00&currency=CNY")
            points = owner.find("#preview-result[data-points]", page).get_attribute("data-points")
            expect(points == "518", page, '#preview-result data-points="518" after 2 points per yuan', points)

        with report.section("webhooks: replay the failed delivery"):
            page = "webhooks"
            owner.open("/console/webhooks")
            owner.find("table#endpoints", page)
            row_css = f'table#deliveries tr[data-delivery="{seed["failed_delivery"]}"]'
            row = owner.find(row_css, page, f"the failed delivery {seed['failed_delivery']}")
            expect(
                row.get_attribute("data-status") == "failed",
                page,
                'its data-status="failed"',
                row.get_attribute("data-status"),
            )
            owner.find(f"{row_css} form.replay", page, "a replay form on the failed delivery")
            owner.submit(f"{row_css} form.replay", page)
            owner.find("[role=status]", page, "a status message after the replay")
            expect(
                owner.path().split("?")[0] == "/console/webhooks",
                page,
                "303 back to /console/webhooks",
                owner.path(),
            )

        with report.section("charts: reports, campaigns, journeys"):
            owner.open("/console/reports")
            for section in ("liability", "flows", "cohorts"):
                owner.find(f"section#{section} svg.chart", "reports", f"the {section} chart")
                owner.find(f"section#{section} table", "reports", f"the {section} table")
            for page, kind, name in (
                ("campaigns", "campaign", "Winter welcome"),
                ("journeys", "journey", "Thank-you journey"),
            ):
                owner.open(f"/console/{page}")
                owner.find(f"table#{page}", page)
                owner.find("svg.chart", page, f"a {kind} results chart")
                text = owner.driver.find_element(By.CSS_SELECTOR, f"table#{page}").text
                expect(name in text, page, f'the {kind} "{name}" in table#{page}', text[:200])

        with report.section("staff: invite from /console/staff, accept, sign in, adjust"):
            page = "staff"
            owner.open("/console/staff")
            owner.find(f'table#staff tr[data-email="{args.owner_email}"]', page, "the owner's row")
            owner.find(
                f'table#staff tr[data-email="{args.owner_email}"] form.revoke', page, "its revoke form"
            )
            staff_email = args.owner_email.replace("owner-", "staff-")
            owner.fill("form#invite input#invite-email[name=email]", staff_email, page)
            owner.choose("select#invite-role[name=role]", "staff", page)
            owner.submit("form#invite", page)
            link = owner.find("#invitation-link", page).text
            match = re.search(r"/console/invitations/[^\s\"'<>]+", link)
            if not match:
                raise Failure(
                    f"[{page}] expected #invitation-link with /console/invitations/<token>; found {link!r}"
                )
            staff = browser()
            staff.accept_invitation(match.group(0), "Sam Staff", "en", "invitation-staff")
            staff.sign_in(args.tenant, staff_email)
            staff.open(member_path)
            staff.find("form#adjustment", "member (staff)", "the adjustment form for a staff member")
            # Staff adjust within CONSOLE_STAFF_ADJUSTMENT_LIMIT (1,000 by default), not beyond.
            staff.fill("input#points[name=points]", "1001", "member (staff)")
            staff.submit("form#adjustment", "member (staff)")
            staff.find(
                "[role=alert]", "member (staff)", "an alert for a staff member's +1001 (over the limit)"
            )
            staff.open(member_path)
            staff.fill("input#points[name=points]", "5", "member (staff)")
            staff.choose("select#reason_code[name=reason_code]", "compensation", "member (staff)")
            staff.submit("form#adjustment", "member (staff)")
            staff.find("[role=status]", "member (staff)", "a status message after a staff member's +5")
            status = staff.request("/console/staff")
            expect(status == 403, "staff (staff)", "403 on /console/staff for a staff member", status)
            staff.open("/console/staff")
            staff.find("main#main", "forbidden")
            staff.check_page("forbidden", "en")
            # The owner signs the staff member out everywhere: their next page is the sign-in.
            owner.open("/console/staff")
            owner.find(f'table#staff tr[data-email="{staff_email}"]', page, "the new staff member's row")
            owner.submit(f'table#staff tr[data-email="{staff_email}"] form.revoke', page)
            expect(
                owner.path().split("?")[0] == "/console/staff",
                page,
                "303 back to /console/staff after revoking",
                owner.path(),
            )
            staff.open(member_path)
            staff.wait_until(
                "the staff member's session revoked: the member URL leads to /console/sign-in",
                "member (staff)",
                lambda d: staff.path().startswith("/console/sign-in"),
            )
            staff.quit()

        with report.section("isolation: another shop's member"):
            page = "members"
            for query in (other["id"], other["email"]):
                owner.open("/console/members?q=" + urllib.parse.quote(query))
                owner.find("form#member-search", page)
                rows = [r.get_attribute("data-member") for r in owner.all("table#members tr[data-member]")]
                expect(not rows, page, f"no result for the other tenant's {query}", rows)
            status = owner.request(f"/console/members/{other['id']}")
            expect(status == 404, "member", f"404 for the other tenant's member {other['id']}", status)
            owner.open(f"/console/members/{other['id']}")
            expect(
                owner.absent("#balance"),
                "member",
                "no balance on the other tenant's member page",
                owner.describe(),
            )
            owner.check_page("not-found", "en")

        with report.section("languages: every page in en and zh-Hans"):
            pages = [
                ("members", "/console/members?q=" + urllib.parse.quote(member["email"])),
                ("member", member_path),
                ("program", "/console/program?amount=259.00&currency=CNY"),
                ("webhooks", "/console/webhooks"),
                ("reports", "/console/reports"),
                ("campaigns", "/console/campaigns"),
                ("journeys", "/console/journeys"),
                ("staff", "/console/staff"),
                ("audit", "/console/audit"),
            ]
            nav_text: dict[str, str] = {}
            for lang in ("en", "zh-Hans"):
                owner.open("/console/members")
                switch = owner.find(f'a[hreflang="{lang}"]', "members", f"the {lang} language link")
                owner.navigate(switch.click, f"the switch to {lang}", "members")
                html_lang = owner.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
                expect(html_lang == lang, "members", f'<html lang="{lang}"> after the switch', html_lang)
                expect(
                    owner.path().split("?")[0] == "/console/members",
                    "members",
                    "the switch to lead back to /console/members",
                    owner.path(),
                )
                cookie = owner.driver.get_cookie("jifen_lang")
                expect(
                    bool(cookie) and cookie.get("value") == lang,
                    "members",
                    f"the cookie jifen_lang={lang}",
                    cookie,
                )
                nav_text[lang] = owner.find("nav#nav", "members").text
                for name, path in pages:
                    owner.open(path)
                    owner.find("main#main", name)
                    owner.check_page(name, lang)
            expect(
                bool(CJK.search(nav_text["zh-Hans"])),
                "members-zh-Hans",
                "Chinese characters in nav#nav",
                repr(nav_text["zh-Hans"][:120]),
            )
            expect(
                nav_text["en"] != nav_text["zh-Hans"],
                "members-zh-Hans",
                "nav#nav's text to change with the language",
                "the same text in both",
            )
            expect(
                not CJK.search(nav_text["en"]),
                "members-en",
                "no Chinese characters in the English nav#nav",
                repr(nav_text["en"][:120]),
            )

        with report.section("viewer: zh by Accept-Language, read only"):
            viewer = browser("zh-CN")
            viewer.accept_invitation(args.viewer_invitation, "Wei Viewer", "zh-Hans")
            page = "sign-in"
            viewer.wait_until(
                "a redirect to /console/sign-in", page, lambda d: viewer.path().startswith("/console/sign-in")
            )
            viewer.find("form#sign-in", page)
            viewer.check_page("sign-in", "zh-Hans")
            viewer.sign_in(args.tenant, args.viewer_email)
            page = "member (viewer)"
            viewer.open(member_path)
            balance = viewer.find("#balance[data-points]", page).get_attribute("data-points")
            expect(viewer.absent("form#adjustment"), page, "no form#adjustment for a viewer", "one")
            token = viewer.csrf(page)
            status = viewer.request(
                f"{member_path}/adjustments",
                "POST",
                {"_csrf": token, "points": "50", "reason_code": "goodwill", "note": "forged by a viewer"},
            )
            expect(
                status == 403, page, "403 for a viewer's forged adjustment POST (with its CSRF token)", status
            )
            viewer.open(member_path)
            now = viewer.find("#balance[data-points]", page).get_attribute("data-points")
            expect(now == balance, page, f"the balance still {balance} after the viewer's POST", now)
            status = viewer.request("/console/staff")
            expect(status == 403, "staff (viewer)", "403 on /console/staff for a viewer", status)
            viewer.open("/console/staff")
            viewer.find("main#main", "forbidden")
            viewer.check_page("forbidden", "zh-Hans")
            viewer.open(f"/console/members/{other['id']}")
            viewer.find("main#main", "not-found")
            viewer.check_page("not-found", "zh-Hans")
            # Nothing to change elsewhere either: the program read only, no replay.
            viewer.open("/console/program")
            textarea = viewer.find("textarea#program-json", "program (viewer)")
            expect(
                textarea.get_attribute("readonly") is not None
                and not viewer.all("form#program button[type=submit], form#program button:not([type])"),
                "program (viewer)",
                "a read-only #program-json and no save button for a viewer",
                f"readonly={textarea.get_attribute('readonly')}, "
                f"{len(viewer.all('form#program button'))} button(s) in form#program",
            )
            viewer.open("/console/webhooks")
            viewer.find("table#deliveries", "webhooks (viewer)")
            expect(
                viewer.absent("form.replay"),
                "webhooks (viewer)",
                "no form.replay for a viewer",
                f"{len(viewer.all('form.replay'))}",
            )
            viewer.quit()

        with report.section("sign-out"):
            page = "members"
            owner.open("/console/members")
            session = owner.driver.get_cookies()
            owner.submit("form#sign-out", page)
            status = owner.request(member_path, cookies=session)
            expect(
                status == 303,
                "member",
                "303 (to the sign-in page) for the session cookie kept from before signing out",
                status,
            )
            owner.open(member_path)
            owner.wait_until(
                "the member URL to redirect to /console/sign-in after signing out",
                "member",
                lambda d: owner.path().startswith("/console/sign-in"),
            )
            expect(owner.absent("#balance"), "member", "no member data after signing out", owner.describe())
    except Failure as failure:
        report.failures.append(str(failure))
    finally:
        for b in browsers:
            b.quit()

    elapsed = time.monotonic() - started
    print("\nconsole check summary", file=sys.stderr)
    for name, ok, seconds in report.sections:
        print(f"  {'ok    ' if ok else 'FAILED'} {name} ({seconds:.1f} s)", file=sys.stderr)
    print(
        f"  {report.axe_pages} pages checked by axe-core, {len(report.screenshots)} screenshots in {args.out}/",
        file=sys.stderr,
    )
    if report.failures:
        print(f"\nconsole check FAILED ({len(report.failures)}), in {elapsed:.0f} s:", file=sys.stderr)
        for failure in report.failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print(f"console check: passed in {elapsed:.0f} s", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True, help="http://localhost:PORT")
    parser.add_argument("--seed", required=True, help="the JSON scripts/console/seed.py wrote")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--owner-email", required=True)
    parser.add_argument("--owner-invitation", required=True)
    parser.add_argument("--viewer-email", required=True)
    parser.add_argument("--viewer-invitation", required=True)
    parser.add_argument("--out", default=".local/console")
    parser.add_argument("--deadline", type=float, default=30, help="seconds for each wait")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
