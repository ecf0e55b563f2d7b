# Sourced by the prebuild scripts: fetches Debian source and binary packages
# through a private apt state (its own sources list, indexes and cache under
# $DEBIAN_STATE), so nothing under /etc/apt or /var/lib/apt changes. The
# mirror and suite are the ones the machine's own apt sources use for Debian
# (override with TACHYON_DEBIAN_MIRROR / TACHYON_DEBIAN_SUITE).
#
#   debian_init <state-dir> [binaries]    once, before the functions below
#                                         ("binaries": also index .debs, ~20 MB)
#   debian_source <package> <dest-dir>    apt-get source: verified and unpacked,
#                                         Debian's patches applied; prints the tree
#   debian_binaries <debian-arch> <dest-dir> <package>...
#                                         .debs of the packages and everything they
#                                         depend on, for any architecture

debian_mirror() {
  # The first Debian URI of the machine's apt sources, deb822 (.sources) or
  # one-line (.list) format.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2 }'
  done
}

debian_init() {
  DEBIAN_STATE="$(mkdir -p "$1" && cd "$1" && pwd)"
  local mirror suite keyring
  mirror="${TACHYON_DEBIAN_MIRROR:-$(debian_mirror | head -n 1)}"
  suite="${TACHYON_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  if [ -z "$mirror" ] || [ -z "$suite" ]; then
    echo "prebuild: no Debian mirror/suite found in /etc/apt (set TACHYON_DEBIAN_MIRROR and TACHYON_DEBIAN_SUITE)" >&2
    return 1
  fi
  command -v dpkg-source >/dev/null || {
    echo "prebuild: apt-get source needs dpkg-source (apt-get install -y dpkg-dev)" >&2
    return 1
  }
  mkdir -p "$DEBIAN_STATE/lists/partial" "$DEBIAN_STATE/cache/archives/partial" "$DEBIAN_STATE/status"
  : >"$DEBIAN_STATE/status/empty"
  echo "deb-src [signed-by=$keyring] $mirror $suite main" >"$DEBIAN_STATE/sources.list"
  if [ "${2:-}" = binaries ]; then
    echo "deb [arch=amd64,arm64 signed-by=$keyring] $mirror $suite main" >>"$DEBIAN_STATE/sources.list"
  fi
  # An empty dpkg status makes "install --download-only" fetch a package's
  # whole dependency closure, whatever this machine has installed.
  DEBIAN_APT_OPTS=(
    -o "Dir::Etc::SourceList=$DEBIAN_STATE/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$DEBIAN_STATE/lists"
    -o "Dir::State::status=$DEBIAN_STATE/status/empty"
    -o "Dir::Cache=$DEBIAN_STATE/cache"
    -o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64"
    -o "APT::Sandbox::User=root"
    -o "Debug::NoLocking=1"
  )
  # Indexes are refreshed at most once a day.
  local index='*Sources*'
  [ "${2:-}" = binaries ] && index='*arm64_Packages*'
  if [ -z "$(find "$DEBIAN_STATE/lists" -maxdepth 1 -name "$index" -mtime -1 2>/dev/null)" ]; then
    apt-get "${DEBIAN_APT_OPTS[@]}" -qq update >&2
  fi
}

debian_source() {
  local pkg="$1" dest="$2" tree
  mkdir -p "$dest"
  tree="$(find "$dest" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -n 1)"
  if [ -z "$tree" ]; then
    (cd "$dest" && apt-get "${DEBIAN_APT_OPTS[@]}" -qq source "$pkg" >&2)
    tree="$(find "$dest" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -n 1)"
  fi
  [ -n "$tree" ] || { echo "prebuild: apt-get source $pkg gave no source tree" >&2; return 1; }
  echo "$tree"
}

debian_binaries() {
  local arch="$1" dest
  dest="$(mkdir -p "$2" && cd "$2" && pwd)"
  shift 2
  apt-get "${DEBIAN_APT_OPTS[@]}" -qq -o "APT::Architecture=$arch" \
    -o "Dir::Cache::archives=$dest" --download-only --no-install-recommends -y install "${@/%/:$arch}" >&2
}
