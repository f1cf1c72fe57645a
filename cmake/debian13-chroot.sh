#!/bin/sh
# debian13-chroot.sh: run a ./winmem command inside a Debian 13 (trixie) chroot, the second
# runtime the suite is checked on (Wine 10.0 and mingw-w64 GCC 14 instead of Debian 12's
# Wine 8.0 and GCC 12). ./winmem calls it:
#
#   ./winmem trixie [test]       build and run every test under Debian 13's Wine
#   ./winmem trixie tour [ARGS]  the tour; any other ./winmem command works the same way
#   ./winmem trixie shell        a shell inside the chroot, in the repository
#
# What it does, and why:
# - The chroot is made once with `debootstrap --variant=minbase trixie`, from the Debian
#   mirror this machine's own apt sources name (or WM_DEBIAN_MIRROR), and kept outside the
#   clone, in WM_DEBIAN13_CHROOT (default /var/cache/winmem/debian13), so a warm machine
#   reuses it. It is built under a .partial name and renamed when complete: a half-made
#   chroot is never used, it is made again.
# - Each run mounts proc, sys, dev, dev/pts and dev/shm (Wine needs them) and the repository,
#   at the same path as on the host, then unmounts them on every exit path.
# - Inside, ./winmem itself installs what it needs with apt (cmake, Wine, the compiler...)
#   and builds into build/debian13/ (WM_BUILD_ROOT), so Debian 13's compiler and Wine never
#   reuse the host's build trees or Wine prefix.
# - One run at a time per chroot (a lock); debootstrap and the command are bounded by
#   timeouts (WM_DEBIAN13_TIMEOUT seconds for the command, default 1800; not for a shell).
# Needs root: debootstrap, mount and chroot do.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
CHROOT=${WM_DEBIAN13_CHROOT:-/var/cache/winmem/debian13}
SUITE=trixie
# Written into the chroot when it is complete; a chroot made by another recipe is redone.
READY_MARK=".winmem-ready"
# Written into the .partial directory before debootstrap: only a directory holding one of
# these two marks is ever removed, so a mistaken WM_DEBIAN13_CHROOT cannot delete anything else.
PARTIAL_MARK=".winmem-partial"
RECIPE="winmem debian13 chroot 1: debootstrap --variant=minbase $SUITE"
TIMEOUT=${WM_DEBIAN13_TIMEOUT:-1800}
INSIDE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'winmem trixie: %s\n' "$*"; }
die() {
    printf 'winmem trixie: %s\n' "$*" >&2
    exit 2
}

# ---- Where Debian comes from ----

# sources_mirror CODENAME: print the first URI of an enabled deb822 entry (.sources) that
# serves CODENAME's main component: the machine's Debian mirror, not a third-party one.
sources_mirror() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$1" '
            function has(list, word) { return (" " list " ") ~ (" " word " ") }
            function flush() {
                if (!found && has(types, "deb") && has(suites, suite) && has(comps, "main") &&
                    tolower(enabled) != "no" && uris != "") {
                    split(uris, u, " ")
                    print u[1]
                    found = 1
                }
                types = suites = comps = uris = enabled = field = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/ { value = $0; sub(/^[ \t]+/, "", value); store(field, value); next }
            {
                field = tolower(substr($0, 1, index($0, ":") - 1))
                value = substr($0, index($0, ":") + 1)
                sub(/^[ \t]+/, "", value)
                store(field, value)
            }
            function store(name, value) {
                if (name == "types") types = types " " value
                else if (name == "suites") suites = suites " " value
                else if (name == "components") comps = comps " " value
                else if (name == "uris") uris = uris " " value
                else if (name == "enabled") enabled = value
            }
            END { flush() }
        ' "$f" | head -n 1
    done | head -n 1
}

# list_mirror CODENAME: the same for one-line entries: deb [options] URI SUITE COMPONENT...
list_mirror() {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v suite="$1" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) != suite) next
                for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; exit }
            }
        ' "$f"
    done | head -n 1
}

# debian_mirror: WM_DEBIAN_MIRROR, or the mirror of this machine's own apt sources. Only
# read at run time: the repository names no host.
debian_mirror() {
    if [ -n "${WM_DEBIAN_MIRROR:-}" ]; then
        printf '%s\n' "$WM_DEBIAN_MIRROR"
        return 0
    fi
    # shellcheck disable=SC1091  # the host's file, read at run time
    codename=$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || die "cannot read this system's codename from /etc/os-release; set WM_DEBIAN_MIRROR=URL"
    mirror=$(sources_mirror "$codename")
    [ -n "$mirror" ] || mirror=$(list_mirror "$codename")
    [ -n "$mirror" ] || die "no Debian mirror for '$codename main' in /etc/apt/sources*; set WM_DEBIAN_MIRROR=URL"
    printf '%s\n' "$mirror"
}

# ---- Mounts ----

# mounts_under DIR: the mount points at or below DIR, deepest first (the unmount order).
mounts_under() {
    awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/self/mounts |
        sort -r
}

# kill_inside DIR: end the processes whose root is DIR (a Wine server left by a killed run,
# say), which would keep the mounts busy. They can only have been started by this script.
kill_inside() {
    for signal in TERM KILL; do
        pids=""
        for proc in /proc/[0-9]*; do
            [ "$(readlink "$proc/root" 2>/dev/null || true)" = "$1" ] || continue
            pids="$pids ${proc#/proc/}"
        done
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086  # one argument per process id
        kill -s "$signal" $pids 2>/dev/null || true
        sleep 2
    done
}

# unmount_under DIR: unmount everything at or below DIR; lazily if still busy after that.
unmount_under() {
    [ -d "$1" ] || return 0
    kill_inside "$1"
    for point in $(mounts_under "$1"); do
        umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null ||
            say "could not unmount $point"
    done
}

# mount_inside: what Wine and apt need, then the repository at its host path.
mount_inside() {
    mount -t proc proc "$CHROOT/proc"
    mount -t sysfs sysfs "$CHROOT/sys"
    # A devtmpfs of its own, so the mounts below cannot propagate to the host's /dev; where
    # devtmpfs cannot be mounted (some containers), a private bind of /dev does the same.
    if ! mount -t devtmpfs -o mode=0755,nosuid devtmpfs "$CHROOT/dev" 2>/dev/null; then
        mount --bind /dev "$CHROOT/dev"
        mount --make-private "$CHROOT/dev"
    fi
    mkdir -p "$CHROOT/dev/pts" "$CHROOT/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts \
        "$CHROOT/dev/pts"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$CHROOT/dev/shm"
    mkdir -p "$CHROOT$ROOT"
    mount --bind "$ROOT" "$CHROOT$ROOT"
    # apt inside needs the host's name servers; a link there could point outside the chroot.
    rm -f "$CHROOT/etc/resolv.conf"
    cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf"
}

# ---- Bounded commands ----

# The one command running in the background, for the signal traps to end.
child=""

# bounded SECONDS CMD...: CMD, ended after SECONDS (0: no limit). It runs in the background
# and the script waits for it, because a trap set for a signal runs at once during `wait` but
# only after a foreground command ends: so INT, TERM or HUP sent to this script end CMD too
# (timeout passes the signal on), then the EXIT trap unmounts. CMD reads the script's
# standard input (fd 8: a background command's own is /dev/null). --foreground: CMD keeps
# the terminal (Ctrl-C, --pause); what it leaves running after a timeout, the EXIT trap ends.
bounded() {
    limit=$1
    shift
    timeout --foreground --kill-after=30 "$limit" "$@" <&8 8<&- 9>&- &
    child=$!
    bounded_status=0
    wait "$child" || bounded_status=$?
    child=""
    return "$bounded_status"
}

# on_signal STATUS: end the background command, then exit (the EXIT trap cleans up).
# shellcheck disable=SC2317  # called from the traps
on_signal() {
    [ -z "$child" ] || kill -s TERM "$child" 2>/dev/null || true
    [ -z "$child" ] || wait "$child" 2>/dev/null || true
    exit "$1"
}

# cleanup: what every exit does once the lock is held: nothing left mounted or running.
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    unmount_under "$CHROOT.partial"
    unmount_under "$CHROOT"
}

# ---- The chroot ----

ensure_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 && return 0
    say "installing debootstrap"
    apt_log="$CHROOT.apt.log"
    # DPkg::Lock::Timeout: another apt run may hold dpkg's lock for a while; wait, not forever.
    if ! { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
            --no-install-recommends debootstrap; } >"$apt_log" 2>&1; then
        tail -n 20 "$apt_log" >&2
        die "installing debootstrap failed: see $apt_log"
    fi
}

chroot_ready() {
    [ "$(cat "$CHROOT/$READY_MARK" 2>/dev/null || true)" = "$RECIPE" ]
}

make_chroot() {
    partial="$CHROOT.partial"
    log="$CHROOT.log"
    mirror=$(debian_mirror)
    ensure_debootstrap
    # Whatever an interrupted earlier attempt (or an older recipe) left is redone from
    # scratch; it must carry one of our marks, and nothing may still be mounted inside it.
    for dir in "$partial" "$CHROOT"; do
        [ -e "$dir" ] || continue
        [ -f "$dir/$READY_MARK" ] || [ -f "$dir/$PARTIAL_MARK" ] ||
            die "$dir exists but was not made by winmem: remove it, or set WM_DEBIAN13_CHROOT"
        unmount_under "$dir"
        [ -z "$(mounts_under "$dir")" ] || die "$dir still has mounts inside; unmount them first"
        rm -rf --one-file-system "$dir"
    done
    mkdir -p "$partial"
    : >"$partial/$PARTIAL_MARK"
    say "creating the Debian 13 chroot in $CHROOT from $mirror (about two minutes; log: $log)"
    if ! bounded 1200 debootstrap --variant=minbase "$SUITE" "$partial" "$mirror" \
        >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        unmount_under "$partial"
        die "debootstrap failed: see $log"
    fi
    unmount_under "$partial" # debootstrap may leave proc or sys mounted
    # Nothing installed inside may start a service.
    printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
    chmod 755 "$partial/usr/sbin/policy-rc.d"
    rm -f "$partial/$PARTIAL_MARK"
    printf '%s\n' "$RECIPE" >"$partial/$READY_MARK"
    mv "$partial" "$CHROOT"
}

# inside SECONDS CMD...: CMD in the chroot, in the repository, with a clean environment (the
# host's PATH or WINEPREFIX mean nothing there), ended after SECONDS (0: no limit).
inside() {
    limit=$1
    shift
    # shellcheck disable=SC2016  # $0 and $@ are the inner shell's
    bounded "$limit" \
        chroot "$CHROOT" /usr/bin/env -i HOME=/root PATH="$INSIDE_PATH" TERM="${TERM:-dumb}" \
        WM_BUILD_ROOT="$ROOT/build/debian13" \
        ${http_proxy:+"http_proxy=$http_proxy"} ${https_proxy:+"https_proxy=$https_proxy"} \
        ${no_proxy:+"no_proxy=$no_proxy"} \
        /bin/sh -c 'cd "$0" && exec "$@"' "$ROOT" "$@"
}

# ---- Main ----

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount and chroot do): run it as root"
case "$CHROOT" in
    /*) ;;
    *) die "WM_DEBIAN13_CHROOT must be an absolute path, not '$CHROOT'" ;;
esac
case "$TIMEOUT" in
    '' | *[!0-9]*) die "WM_DEBIAN13_TIMEOUT must be a number of seconds, not '$TIMEOUT'" ;;
esac
[ "$#" -gt 0 ] || set -- test

mkdir -p "$(dirname "$CHROOT")"
# The real path: /proc shows mounts and process roots with links resolved.
CHROOT="$(cd "$(dirname "$CHROOT")" && pwd -P)/$(basename "$CHROOT")"
# One run at a time: a second run would unmount the first one's /proc. Wait, but not forever.
# (fd 9 holds the lock; the commands run here never inherit it.)
exec 9>"$CHROOT.lock"
flock -w 1800 9 || die "another run holds $CHROOT.lock (waited 30 minutes)"
exec 8<&0 # the standard input the bounded commands read

# From here on every exit, by error, signal or end, leaves nothing mounted or running.
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# A killed earlier run may have left its mounts: take them down before anything else.
unmount_under "$CHROOT"
chroot_ready || make_chroot
mount_inside

status=0
if [ "$1" = shell ]; then
    [ "$#" -eq 1 ] || die "shell takes no arguments"
    say "a shell in Debian 13, in $ROOT (./winmem builds into build/debian13 here)"
    inside 0 /bin/bash || status=$?
else
    inside "$TIMEOUT" ./winmem "$@" || status=$?
    [ "$status" -ne 124 ] || say "'./winmem $*' timed out after $TIMEOUT s"
fi
exit "$status"
