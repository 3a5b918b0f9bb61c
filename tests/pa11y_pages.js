// pa11y on every page named on the command line, in one Chromium: each page in a browser context
// of its own (no cookie or cache from the others), as a run of pa11y's command line would see it.
// Usage: node pa11y_pages.js NODE_MODULES CONFIG.json URL...; prints {url: [issue, ...]} as JSON.
"use strict";

const path = require("path");

const [modules, configFile, ...urls] = process.argv.slice(2);
const pa11y = require(path.resolve(modules, "pa11y"));
const puppeteer = require(path.resolve(modules, "puppeteer"));
const config = require(path.resolve(configFile));

// Two pages are checked at a time: part of each check is waiting for its network to settle.
const AT_ONCE = 2;

async function check(browser, url) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    return (await pa11y(url, { ...config, browser, page })).issues;
  } finally {
    await context.close();
  }
}

async function main() {
  const browser = await puppeteer.launch(config.chromeLaunchConfig);
  const found = {};
  try {
    const queue = [...urls];
    const checker = async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        found[url] = await check(browser, url);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, checker));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(found));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
