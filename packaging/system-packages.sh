#!/bin/sh
# The system libraries FilmStudio needs beyond its Python packages: one list, installed by the
# README's set-up commands and CI. Installs them where the package manager allows (apt-get or
# dnf, as root or with password-less sudo); anywhere else it prints what to install and succeeds,
# so a set-up command never fails because of it.
#
# Qt's X11 platform plugin: what `ldd PySide6/Qt/plugins/platforms/libqxcb.so` needs on a bare
#   Debian 12 (a bare system lacked libxcb-icccm4 and libxcb-keysyms1, and Qt blamed xcb-cursor0;
#   the editor names what is missing when it starts: filmstudio/ui/system_libraries.py).
# Sound in the editor: the PulseAudio client library (QtMultimedia).
# Speech: the espeak-ng program, where Piper voices get their phonemes (a separate program, so its
#   GPL licence does not reach FilmStudio; without it the Speech node says how to install it).
# Add a package to both lists, keeping the comment above it honest.
DEBIAN="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-util1
 libxcb-randr0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 libxcb1
 libx11-xcb1 libx11-6 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1 libfontconfig1 libfreetype6
 libdbus-1-3 libglib2.0-0
 libpulse0
 espeak-ng"
FEDORA="xcb-util-cursor xcb-util-wm xcb-util-keysyms xcb-util-image xcb-util-renderutil xcb-util libxcb
 libX11-xcb libX11 libxkbcommon-x11 libxkbcommon libglvnd-egl libglvnd-glx fontconfig freetype dbus-libs
 glib2
 pulseaudio-libs
 espeak-ng"

if [ "$(id -u)" = 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    run="sudo -n"
else
    run="none"
fi

installed=no
if [ "$run" != none ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { $run apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }
    # shellcheck disable=SC2086 # the lists are word lists
    if apt_install $DEBIAN || { $run apt-get update -qq >/dev/null 2>&1 && apt_install $DEBIAN; }; then
        installed=yes
    else
        for package in $DEBIAN; do apt_install "$package"; done  # a release that renamed one
    fi
elif [ "$run" != none ] && command -v dnf >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    $run dnf install -y -q $FEDORA >/dev/null 2>&1 && installed=yes
fi

if [ "$installed" = no ]; then
    echo "note: FilmStudio's system libraries were not (all) installed (needs root and apt-get or dnf); the" \
        "editor, its sound and Piper voices (espeak-ng) need them:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install" $DEBIAN >&2
    echo "  Fedora:        sudo dnf install" $FEDORA >&2
fi
exit 0
