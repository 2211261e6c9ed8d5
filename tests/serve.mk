## cops-serve's tests (included from serve/local.mk): the JSON API and its
## documented examples, and the page in headless Chromium (skipped, saying
## why, where Chromium, node or tests/browser's npm packages are missing).
SERVE_TESTS = tests/cli/serve-api.sh tests/cli/serve-browser.sh
TESTS += $(SERVE_TESTS)
EXTRA_DIST += $(SERVE_TESTS) tests/cli/serve-lib.sh tests/cli/http-client.py \
	tests/cli/api-examples.py tests/browser/serve.mjs tests/browser/package.json \
	tests/browser/package-lock.json
