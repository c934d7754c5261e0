# Sourced by the scripts that run the app on a virtual screen (benches, screenshots).
#   apt-get install -y xvfb xdotool
#
# on_exit CMD: runs CMD when the script ends, the latest first.
# start_xvfb :N: a 1280x860 Xvfb on display :N, stopped at the end; waits for its socket and
#   exports DISPLAY (and a quiet log for the app).

_on_exit=()
_run_on_exit() {
    local i
    for ((i = ${#_on_exit[@]} - 1; i >= 0; i--)); do
        eval "${_on_exit[$i]}" || true
    done
}
trap _run_on_exit EXIT

on_exit() { _on_exit+=("$*"); }

start_xvfb() {
    local display="$1" n="${1#:}" _
    Xvfb "$display" -screen 0 1280x860x24 >/dev/null 2>&1 &
    on_exit "kill $! 2>/dev/null"
    for _ in $(seq 1 100); do
        [ -S "/tmp/.X11-unix/X$n" ] && break
        sleep 0.05
    done
    export DISPLAY="$display" AVATAR_KIOSK_LOG=error
}
