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
    local display="$1" n="${1#:}" pid _
    if [ -e "/tmp/.X$n-lock" ]; then
        echo "display $display is taken (/tmp/.X$n-lock): stop that server or pick another" >&2
        exit 1
    fi
    Xvfb "$display" -screen 0 1280x860x24 >/dev/null 2>&1 &
    pid=$!
    on_exit "kill $pid 2>/dev/null"
    for _ in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "Xvfb $display exited at once (is xvfb installed?)" >&2
            exit 1
        fi
        if [ -S "/tmp/.X11-unix/X$n" ]; then
            export DISPLAY="$display" AVATAR_KIOSK_LOG=error
            return 0
        fi
        sleep 0.05
    done
    echo "Xvfb $display did not start within 5 s" >&2
    exit 1
}
