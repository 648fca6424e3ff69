# Sourced by the install scripts: sets SUDO to "" (root) or "sudo", or stops with why.
# Usage: as_root <script name> <what it installs>
as_root() {
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO="sudo"
        else
            echo "$1: need root (or sudo) to install $2" >&2
            exit 1
        fi
    fi
}
