#!/usr/bin/env bash
# Builds Insitu's JS API package (wasm-pack) and the native CLI, then checks
# in Debian's headless Chromium that the JS API gives what the CLI gives for
# every reference data set (jsapi.test.mjs).
#
# Environment: INSITU_REFERENCE (default ../shared/reference next to the
# repository), INSITU_BIN (default target/release/insitu; built here when
# not set), INSITU_JSAPI_EXACT=1 to demand bit-identical numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
# ensure_rust, ensure_web_tools (wasm-bindgen, wasm-pack, npm binaryen's
# wasm-opt first on PATH) and ensure_browser skip what is already installed.
source scripts/lib/install.sh
ensure_rust
ensure_web_tools
ensure_browser
case "$(command -v wasm-opt || true)" in
  */node_modules/.bin/wasm-opt) ;;
  *) echo "wasm-opt must be npm's binaryen (Debian's corrupts wasm-bindgen output)" >&2; exit 2 ;;
esac

step "npm ci (tests/jsapi)"
if [ -d tests/jsapi/node_modules/playwright-core ]; then
  echo "node_modules present, skipped"
else
  (cd tests/jsapi && npm ci --no-audit --no-fund)
fi

step "wasm-pack build crates/insitu-wasm --target web --profile wasm-release"
wasm-pack build crates/insitu-wasm --target web --profile wasm-release --out-dir pkg -- --locked
printf 'insitu_wasm_bg.wasm: %s bytes, %s gzipped\n' \
  "$(wc -c < crates/insitu-wasm/pkg/insitu_wasm_bg.wasm)" \
  "$(gzip -9 -c crates/insitu-wasm/pkg/insitu_wasm_bg.wasm | wc -c)"

if [ -z "${INSITU_BIN:-}" ]; then
  step "cargo build --release -p insitu-cli"
  cargo build --release --locked -p insitu-cli
  export INSITU_BIN="$ROOT/target/release/insitu"
fi

step "node tests/jsapi/jsapi.test.mjs"
node tests/jsapi/jsapi.test.mjs
