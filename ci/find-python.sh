# Sourced by ci/test-newest.sh and ci/test-lowest.sh: find_python VERSION prints the path of a Python
# VERSION that runs (python$VERSION on PATH, else pyenv's), or nothing. It must run, not only exist:
# a pyenv shim exists for every version pyenv has, active or not.
find_python() {
  local want=$1 candidate
  for candidate in "python$want" "$HOME/.pyenv/versions/$want"*/bin/"python$want"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys" >/dev/null 2>&1; then
      command -v "$candidate"; return 0
    fi
  done
}
