# Install helpers shared by the scripts; each skips what is already present.

ensure_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      rustup component add "$component"
    fi
  done
}

# Versions proven on these machines (../shared/TOOLCHAIN.md).
WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
BINARYEN_VERSION=132.0.0
TOOLS_DIR="${INSITU_TOOLS_DIR:-$HOME/.cache/insitu-tools}"

ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (apt)"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
}

# wasm-bindgen, trunk, wasm-pack (cargo install, pinned) and wasm-opt from
# npm's binaryen (never Debian's: it corrupts wasm-bindgen output).
ensure_web_tools() {
  ensure_apt build-essential pkg-config
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    cargo install -q wasm-bindgen-cli@"$WASM_BINDGEN_VERSION"
  fi
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    cargo install -q --locked trunk@"$TRUNK_VERSION"
  fi
  if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
    cargo install -q --locked wasm-pack@"$WASM_PACK_VERSION"
  fi
  if [ ! -x "$TOOLS_DIR/binaryen/node_modules/.bin/wasm-opt" ]; then
    mkdir -p "$TOOLS_DIR/binaryen"
    (cd "$TOOLS_DIR/binaryen" && npm install --silent --no-audit --no-fund --prefix . binaryen@"$BINARYEN_VERSION")
  fi
  export PATH="$TOOLS_DIR/binaryen/node_modules/.bin:$PATH"
}

# The fuzz smoke run (scripts/fuzz): a nightly toolchain (libFuzzer needs
# -Z flags) and cargo-fuzz, pinned.
CARGO_FUZZ_VERSION=0.13.2
ensure_fuzz_tools() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
  fi
  if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    cargo install -q --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
}

# Debian's Chromium and its driver, for the browser tests.
ensure_browser() {
  ensure_apt chromium chromium-driver
}
