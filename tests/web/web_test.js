// Bestand's web interface in a real browser: Debian's chromium (headless) driven by Playwright
// against a real server with the sample company (run_test.sh starts it and passes URL and
// tokens in the environment). Checks what each role may see and do, German formatting, the
// small script, phone width, print, keyboard focus and axe-core's accessibility rules, and
// keeps screenshots in $BESTAND_ARTIFACTS.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");
const axe = require("axe-core");

const url = process.env.BESTAND_WEB_URL;
const tokens = {
  admin: process.env.BESTAND_ADMIN_TOKEN,
  viewer: process.env.BESTAND_VIEWER_TOKEN,
  vendor: process.env.BESTAND_VENDOR_TOKEN,
};
// A single-use sign-in link for the provider (bestand token link).
const vendorLink = process.env.BESTAND_VENDOR_LINK;
const artifacts = process.env.BESTAND_ARTIFACTS;

let browser;
const failures = [];
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split("\n").join("\n     ")}`);
  }
}

// A browser context of its own (cookies apart), at `width` px, German first.
async function newPage(width = 1280, locale = "de-DE") {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true, // the server's CA is not the browser's; the C++ tests verify TLS
    viewport: { width, height: 900 },
    locale,
  });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && page.consoleErrors.push(m.text()));
  page.on("pageerror", (e) => page.consoleErrors.push(String(e)));
  return page;
}

async function signIn(page, token) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel("Token").fill(token);
  await page.locator("form.sign-in button[type=submit]").click();
  await page.waitForLoadState();
}

// axe-core's serious and critical violations on the page as it is now. The script is
// evaluated over the DevTools protocol: the page's CSP forbids inline scripts, as it should.
async function axeViolations(page) {
  await page.evaluate(axe.source);
  const result = await page.evaluate(() =>
    axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

// Saves a full-page screenshot and checks it is not blank: drawn on a canvas in a page of its
// own, it must show many colours.
async function screenshot(page, name) {
  const file = path.join(artifacts, `${name}.png`);
  const png = await page.screenshot({ path: file, fullPage: true });
  const viewer = await browser.newPage();
  const colours = await viewer.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  }, png.toString("base64"));
  await viewer.close();
  assert.ok(colours > 20, `${name}.png looks blank (${colours} colours)`);
}

async function noHorizontalScroll(page) {
  const [scroll, width] = await page.evaluate(() => [
    document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `the page is ${scroll} px wide in a ${width} px window`);
}

async function main() {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });

  await check("the sign-in page is accessible and in German", async () => {
    const page = await newPage();
    await page.goto(`${url}/`);
    assert.match(page.url(), /\/sign-in$/);
    assert.equal(await page.getAttribute("html", "lang"), "de");
    assert.deepEqual(await axeViolations(page), []);
    // The first Tab reaches the skip link, and it shows where the focus is.
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => [document.activeElement.className,
      getComputedStyle(document.activeElement).outlineStyle]);
    assert.deepEqual(focused, ["skip", "solid"]);
  });

  await check("devices, applications, deadlines, risks and the audit log read on any screen",
    async () => {
      const page = await newPage();
      await signIn(page, tokens.admin);
      await page.waitForURL(`${url}/`);
      await page.goto(`${url}/devices?q=glpixps`);
      await page.locator("#devices-table a").first().click();
      assert.match(await page.locator("h1").textContent(), /^glpixps/);
      assert.ok(await page.getByText("Fedora 31").first().isVisible(), "the reported system");
      // Filtering as one types hides the packages that do not match.
      await page.fill("#sq", "gnome");
      assert.equal(await page.locator("#software-table tbody tr:visible").count(), 1);
      const pages = [page.url(), `${url}/applications`, `${url}/renewals`, `${url}/findings`,
        `${url}/audit?verify=1`];
      for (const target of pages) {
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(target);
        assert.deepEqual(await axeViolations(page), [], target);
        await page.setViewportSize({ width: 375, height: 800 });
        await noHorizontalScroll(page);
      }
      assert.ok(await page.getByText("Intakt:").isVisible(), "the audit log verifies");
      await screenshot(page, "audit-375");
      assert.deepEqual(page.consoleErrors, []);
    });

  await check("management sees the dashboard in German, on a laptop and a phone", async () => {
    const page = await newPage();
    await signIn(page, tokens.viewer);
    await page.waitForURL(`${url}/`);
    const spend = page.locator("#annual-spend-EUR");
    // 1,123.20 + 840.00 + 479.70 + 571.20 (deploy/sample/licenses.csv).
    assert.equal(await spend.textContent(), "3.014,10 €");
    assert.ok(await page.locator("svg.chart rect").count() >= 3, "the category chart has bars");
    assert.ok(await page.getByText("01.01.2027").isVisible(), "Zoom's deadline in German form");
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(page.consoleErrors, []);
    await screenshot(page, "dashboard-1280");
    await page.setViewportSize({ width: 375, height: 800 });
    await noHorizontalScroll(page);
    await screenshot(page, "dashboard-375");
    // Printed: the page's content without navigation.
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("header.top").isVisible(), false);
    assert.ok(await spend.isVisible());
  });

  await check("a viewer reads everything, changes nothing, and a forged POST is refused", async () => {
    const page = await newPage();
    await signIn(page, tokens.viewer);
    await page.goto(`${url}/people`);
    await page.getByRole("searchbox").fill("Müller");
    await page.getByRole("button", { name: "Suchen" }).click();
    await page.getByRole("link", { name: "Bernd Müller" }).click();
    assert.equal(await page.locator("h1").textContent(), "Bernd Müller");
    assert.equal(await page.getByRole("button", { name: /Offboard|Austritt/ }).count(), 0);
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, "person-1280");
    await page.setViewportSize({ width: 375, height: 800 });
    await noHorizontalScroll(page);
    await screenshot(page, "person-375");
    // A POST that did not come from the session's own form.
    const forged = await page.request.post(`${url}/sign-out`, { form: { csrf: "forged" } });
    assert.equal(forged.status(), 403);
    await page.goto(`${url}/`);
    assert.equal(new URL(page.url()).pathname, "/", "the session survived the forged POST");
  });

  await check("the license filter works as you type; licenses read in English too", async () => {
    const page = await newPage(1280, "en-US");
    await signIn(page, tokens.admin);
    await page.goto(`${url}/licenses`);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    const rows = page.locator("#licenses-table tbody tr:visible");
    assert.equal(await rows.count(), 4);
    assert.ok(await page.getByText("€1,123.20").isVisible());
    await page.locator("input[data-filter]").fill("zoom");
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /Zoom Pro/);
    assert.deepEqual(await axeViolations(page), []);
    await page.setViewportSize({ width: 375, height: 800 });
    await noHorizontalScroll(page);
  });

  await check("a provider may not open the people list", async () => {
    const page = await newPage();
    await signIn(page, tokens.vendor);
    const response = await page.goto(`${url}/people`);
    assert.equal(response.status(), 403);
    assert.ok(await page.getByRole("heading", { name: "Kein Zugriff" }).isVisible());
    assert.equal(await page.getByText("weiss-haustechnik.de").count(), 0);
    assert.deepEqual(await axeViolations(page), []);
  });

  await check("the coordinator offboards from the person page; the provider finishes a task", async () => {
    const page = await newPage();
    await signIn(page, tokens.admin);
    await page.goto(`${url}/people?q=Bernd`);
    await page.getByRole("link", { name: "Bernd Müller" }).click();
    page.once("dialog", (d) => d.accept()); // the confirmation the script asks for
    await page.getByLabel("Letzter Arbeitstag").fill("2026-12-18");
    await page.getByRole("button", { name: "Austritt einleiten" }).click();
    await page.waitForURL(/m=offboarded/);
    assert.ok(await page.getByText("Der Austritt ist eingeleitet.").isVisible());
    assert.ok(await page.locator("#tasks-h + div tbody tr").count() >= 5, "the case's tasks");
    assert.deepEqual(await axeViolations(page), []);

    const provider = await newPage();
    await signIn(provider, tokens.vendor);
    await provider.waitForURL(`${url}/tasks`);
    const tasks = provider.locator("li.task");
    const before = await tasks.count();
    assert.ok(before >= 1, "the provider has tasks");
    assert.equal(await provider.getByText("Koordination (intern)").count(), 0);
    assert.deepEqual(await axeViolations(provider), []);
    await screenshot(provider, "provider-1280");
    const first = tasks.first();
    await first.getByLabel(/Was wurde getan/).fill("Ticket 4711, T. Lange");
    await first.getByRole("button", { name: "Als erledigt melden" }).click();
    await provider.waitForURL(/m=saved/);
    assert.ok(await provider.getByText("Gespeichert.").isVisible());
    assert.equal(await provider.locator("li.task").count(), before - 1);
    await provider.setViewportSize({ width: 375, height: 800 });
    await noHorizontalScroll(provider);
    await screenshot(provider, "provider-375");
    await provider.goto(`${url}/tasks?show=done`);
    assert.ok(await provider.getByText("Nachweis: Ticket 4711, T. Lange").isVisible());
  });

  await check("a provider signs in once through a link; the link then fails", async () => {
    assert.match(vendorLink, /^https:\/\/127\.0\.0\.1:\d+\/link\/[A-Za-z0-9_-]+$/);
    const page = await newPage();
    await page.goto(vendorLink);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByRole("button", { name: "Anmelden" }).click();
    await page.waitForURL(`${url}/tasks`);
    assert.ok(await page.locator("li.task").count() >= 1, "the provider's tasks");
    // The same link in another browser (a forwarded mail): refused, nobody signed in.
    const replay = await newPage();
    await replay.goto(vendorLink);
    await replay.getByRole("button", { name: "Anmelden" }).click();
    assert.ok(await replay.getByText("schon benutzt").isVisible(), "the replay is refused");
    await replay.goto(`${url}/tasks`);
    assert.match(replay.url(), /\/sign-in$/);
  });

  await check("an idle session ends (the server's --web-idle-timeout, 20 s here)", async () => {
    const page = await newPage();
    await signIn(page, tokens.admin);
    await page.waitForURL(`${url}/`);
    await page.waitForTimeout(21000);
    await page.goto(`${url}/licenses`);
    assert.match(page.url(), /\/sign-in\?m=session_ended$/);
    assert.ok(await page.getByText("Ihre Sitzung ist abgelaufen.").isVisible());
  });

  await check("signing out ends the session", async () => {
    const page = await newPage();
    await signIn(page, tokens.admin);
    await page.getByRole("button", { name: "Abmelden" }).click();
    await page.waitForURL(/sign-in\?m=signed_out/);
    assert.ok(await page.getByText("Sie sind abgemeldet.").isVisible());
    await page.goto(`${url}/licenses`);
    assert.match(page.url(), /\/sign-in$/);
  });

  await browser.close();
  if (failures.length > 0) {
    console.log(`${failures.length} failed: ${failures.join("; ")}`);
    process.exit(1);
  }
  console.log("PASS: web test");
}

main().catch(async (e) => {
  console.log(`FAIL: ${e.stack || e}`);
  if (browser) await browser.close();
  process.exit(1);
});
