#!/usr/bin/env bash
# Runs a command with an unlocked GNOME Keyring (Secret Service) on a private session bus:
#   dbus-run-session -- scripts/with-keyring.sh CMD...
# Uses a throwaway HOME for the keyring files only when KEYRING_HOME is given.
set -u
printf 'sidekick-test' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
GKD=$!
trap 'kill $GKD 2>/dev/null; wait $GKD 2>/dev/null' EXIT
for _ in $(seq 1 50); do   # until org.freedesktop.secrets has an owner
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
  sleep 0.1
done
"$@"
